// Pairwise (or aligned) IoU / IoF / GIoU of (x1, y1, x2, y2) boxes (workbench.ops.bbox_overlaps).
// mode 0 = iou, 1 = iof, 2 = giou; width = x2 - x1 + offset; denominators clamped at offset as in mmcv.

template <typename T>
__device__ __forceinline__ T tmax(T a, T b) { return a > b ? a : b; }
template <typename T>
__device__ __forceinline__ T tmin(T a, T b) { return a < b ? a : b; }

template <typename T>
__device__ void bbox_overlaps(const T* __restrict__ b1, const T* __restrict__ b2, T* __restrict__ out, int rows,
                              int cols, int mode, int aligned, int offset) {
  const long long total = aligned ? (long long)rows : (long long)rows * cols;
  const T off = (T)offset;
  for (long long idx = blockIdx.x * (long long)blockDim.x + threadIdx.x; idx < total;
       idx += (long long)blockDim.x * gridDim.x) {
    const long long i = aligned ? idx : idx / cols;
    const long long j = aligned ? idx : idx % cols;
    const T* a = b1 + i * 4;
    const T* b = b2 + j * 4;
    const T area1 = (a[2] - a[0] + off) * (a[3] - a[1] + off);
    const T area2 = (b[2] - b[0] + off) * (b[3] - b[1] + off);
    const T w = tmax(tmin(a[2], b[2]) - tmax(a[0], b[0]) + off, (T)0);
    const T h = tmax(tmin(a[3], b[3]) - tmax(a[1], b[1]) + off, (T)0);
    const T inter = w * h;
    if (mode == 1) {
      out[idx] = inter / tmax(area1, off);
      continue;
    }
    const T uni = area1 + area2 - inter;
    const T iou = inter / tmax(uni, off);
    if (mode == 0) {
      out[idx] = iou;
      continue;
    }
    const T ew = tmax(tmax(a[2], b[2]) - tmin(a[0], b[0]) + off, (T)0);
    const T eh = tmax(tmax(a[3], b[3]) - tmin(a[1], b[1]) + off, (T)0);
    const T enclose = tmax(ew * eh, off);
    out[idx] = iou - (enclose - uni) / enclose;
  }
}

extern "C" __global__ void bbox_overlaps_f32(const float* b1, const float* b2, float* out, int rows, int cols,
                                             int mode, int aligned, int offset) {
  bbox_overlaps<float>(b1, b2, out, rows, cols, mode, aligned, offset);
}

extern "C" __global__ void bbox_overlaps_f64(const double* b1, const double* b2, double* out, int rows, int cols,
                                             int mode, int aligned, int offset) {
  bbox_overlaps<double>(b1, b2, out, rows, cols, mode, aligned, offset);
}
