// Greedy NMS on the device, in two kernels and no host round trip per box (workbench.ops.nms).
//
// Boxes arrive sorted by descending score. nms_mask_* fills an (n, col_blocks) matrix of 64-bit words: bit k of
// mask[i][b] is set when box i suppresses box b*64+k (a later box, IoU > thr, or >= thr for nms_match). nms_reduce
// then walks the boxes in score order inside ONE thread block: one thread resolves the 64 boxes of a block against
// the running "removed" bitmap, and all threads OR the rows of the boxes just kept into the bitmap for later blocks.
// Only the final keep flags leave the device.

#define NMS_THREADS 64

template <typename T>
__device__ __forceinline__ T tmax(T a, T b) { return a > b ? a : b; }
template <typename T>
__device__ __forceinline__ T tmin(T a, T b) { return a < b ? a : b; }

template <typename T>
__device__ __forceinline__ bool suppresses(const T* a, const T* b, T thr, int offset, int ge) {
  const T off = (T)offset;
  const T w = tmax(tmin(a[2], b[2]) - tmax(a[0], b[0]) + off, (T)0);
  const T h = tmax(tmin(a[3], b[3]) - tmax(a[1], b[1]) + off, (T)0);
  const T inter = w * h;
  const T area_a = (a[2] - a[0] + off) * (a[3] - a[1] + off);
  const T area_b = (b[2] - b[0] + off) * (b[3] - b[1] + off);
  const T iou = inter / (area_a + area_b - inter);
  return ge ? iou >= thr : iou > thr;
}

template <typename T>
__device__ void nms_mask(const T* __restrict__ boxes, unsigned long long* __restrict__ mask, int n, T thr,
                         int offset, int ge) {
  const int row_block = blockIdx.y;
  const int col_block = blockIdx.x;
  if (row_block > col_block) return;  // only later boxes can be suppressed: the lower triangle is never read
  const int row_size = min(n - row_block * NMS_THREADS, NMS_THREADS);
  const int col_size = min(n - col_block * NMS_THREADS, NMS_THREADS);
  __shared__ T col_boxes[NMS_THREADS * 4];
  if (threadIdx.x < col_size) {
    for (int k = 0; k < 4; ++k)
      col_boxes[threadIdx.x * 4 + k] = boxes[(col_block * NMS_THREADS + threadIdx.x) * 4 + k];
  }
  __syncthreads();
  if (threadIdx.x >= row_size) return;
  const int i = row_block * NMS_THREADS + threadIdx.x;
  const T* box = boxes + i * 4;
  unsigned long long bits = 0;
  const int start = (row_block == col_block) ? threadIdx.x + 1 : 0;
  for (int k = start; k < col_size; ++k) {
    if (suppresses(box, col_boxes + k * 4, thr, offset, ge)) bits |= 1ULL << k;
  }
  const int col_blocks = (n + NMS_THREADS - 1) / NMS_THREADS;
  mask[(long long)i * col_blocks + col_block] = bits;
}

extern "C" __global__ void nms_mask_f32(const float* boxes, unsigned long long* mask, int n, float thr, int offset,
                                        int ge) {
  nms_mask<float>(boxes, mask, n, thr, offset, ge);
}

extern "C" __global__ void nms_mask_f64(const double* boxes, unsigned long long* mask, int n, double thr,
                                        int offset, int ge) {
  nms_mask<double>(boxes, mask, n, thr, offset, ge);
}

// Launch with ONE block (64 <= blockDim.x <= 1024). remv: col_blocks zeroed words; keep: n flags (0/1), sorted order.
extern "C" __global__ void nms_reduce(const unsigned long long* __restrict__ mask, unsigned long long* remv,
                                      unsigned char* keep, int n, int col_blocks) {
  __shared__ unsigned long long diag[NMS_THREADS];
  __shared__ unsigned long long kept_bits;
  for (int b = 0; b < col_blocks; ++b) {
    const int nb = min(NMS_THREADS, n - b * NMS_THREADS);
    // the in-block suppression words, fetched in parallel so the serial scan below reads shared memory only
    if (threadIdx.x < nb) diag[threadIdx.x] = mask[(long long)(b * NMS_THREADS + threadIdx.x) * col_blocks + b];
    __syncthreads();
    if (threadIdx.x == 0) {
      // resolve the boxes of block b in score order against everything removed so far
      unsigned long long removed = remv[b];
      unsigned long long kb = 0;
      for (int k = 0; k < nb; ++k) {
        if (!((removed >> k) & 1ULL)) {
          kb |= 1ULL << k;
          removed |= diag[k];
        }
      }
      remv[b] = removed;
      kept_bits = kb;
    }
    __syncthreads();
    const unsigned long long kb = kept_bits;
    if (threadIdx.x < nb) keep[b * NMS_THREADS + threadIdx.x] = (unsigned char)((kb >> threadIdx.x) & 1ULL);
    // every kept box of block b removes what it overlaps in the later blocks (one word per thread)
    for (int c = b + 1 + threadIdx.x; c < col_blocks; c += blockDim.x) {
      unsigned long long acc = remv[c];
      unsigned long long bits = kb;
      while (bits) {
        const int k = __ffsll((long long)bits) - 1;
        bits &= bits - 1;
        acc |= mask[(long long)(b * NMS_THREADS + k) * col_blocks + c];
      }
      remv[c] = acc;
    }
    __syncthreads();  // remv[b + 1], diag and kept_bits are reused in the next round
  }
}
