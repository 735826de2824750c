// RoIAlign forward/backward, avg or max pooling per bin (workbench.ops.roi_align), mmcv 1.x semantics.
//
// One thread per output element (k, c, ph, pw). aligned shifts roi corners by -0.5 (pixel centres); legacy
// (aligned = 0) forces rois to at least 1x1. sampling_ratio <= 0 samples ceil(roi_size / output_size) points per
// bin axis. Samples outside [-1, H] x [-1, W] read 0. In max mode the forward stores the winning sample's (y, x)
// so the backward can route the gradient; an empty bin outputs 0 and stores -1.
// The backward scatters into grad_input with atomicAdd: float sums arrive in a run-dependent order, so results are
// not bitwise reproducible between runs (differences at rounding level).

template <typename T>
__device__ __forceinline__ void bilinear_weights(int height, int width, T y, T x, T* w, int* pos, bool* valid) {
  if (y < (T)-1.0 || y > (T)height || x < (T)-1.0 || x > (T)width) {
    *valid = false;
    return;
  }
  *valid = true;
  if (y <= (T)0) y = (T)0;
  if (x <= (T)0) x = (T)0;
  int y_low = (int)y;
  int x_low = (int)x;
  int y_high, x_high;
  if (y_low >= height - 1) {
    y_high = y_low = height - 1;
    y = (T)y_low;
  } else {
    y_high = y_low + 1;
  }
  if (x_low >= width - 1) {
    x_high = x_low = width - 1;
    x = (T)x_low;
  } else {
    x_high = x_low + 1;
  }
  const T ly = y - (T)y_low;
  const T lx = x - (T)x_low;
  const T hy = (T)1. - ly;
  const T hx = (T)1. - lx;
  w[0] = hy * hx;
  w[1] = hy * lx;
  w[2] = ly * hx;
  w[3] = ly * lx;
  pos[0] = y_low * width + x_low;
  pos[1] = y_low * width + x_high;
  pos[2] = y_high * width + x_low;
  pos[3] = y_high * width + x_high;
}

template <typename T>
struct RoiGeometry {
  int batch;
  T start_h, start_w, bin_h, bin_w;
  int grid_h, grid_w;
};

template <typename T>
__device__ __forceinline__ RoiGeometry<T> roi_geometry(const T* roi, int pooled_h, int pooled_w, T spatial_scale,
                                                       int sampling_ratio, int aligned) {
  RoiGeometry<T> g;
  g.batch = (int)roi[0];
  const T off = aligned ? (T)0.5 : (T)0.0;
  g.start_w = roi[1] * spatial_scale - off;
  g.start_h = roi[2] * spatial_scale - off;
  const T end_w = roi[3] * spatial_scale - off;
  const T end_h = roi[4] * spatial_scale - off;
  T roi_w = end_w - g.start_w;
  T roi_h = end_h - g.start_h;
  if (!aligned) {
    roi_w = roi_w > (T)1. ? roi_w : (T)1.;
    roi_h = roi_h > (T)1. ? roi_h : (T)1.;
  }
  g.bin_h = roi_h / (T)pooled_h;
  g.bin_w = roi_w / (T)pooled_w;
  g.grid_h = sampling_ratio > 0 ? sampling_ratio : (int)ceil(roi_h / (T)pooled_h);
  g.grid_w = sampling_ratio > 0 ? sampling_ratio : (int)ceil(roi_w / (T)pooled_w);
  if (g.grid_h < 0) g.grid_h = 0;
  if (g.grid_w < 0) g.grid_w = 0;
  return g;
}

template <typename T>
__device__ void roi_align_forward(const T* __restrict__ input, const T* __restrict__ rois, T* __restrict__ output,
                                  T* __restrict__ argmax_y, T* __restrict__ argmax_x, int total, int channels,
                                  int height, int width, int pooled_h, int pooled_w, T spatial_scale,
                                  int sampling_ratio, int pool_mode, int aligned) {
  for (int index = blockIdx.x * blockDim.x + threadIdx.x; index < total; index += blockDim.x * gridDim.x) {
    const int pw = index % pooled_w;
    const int ph = (index / pooled_w) % pooled_h;
    const int c = (index / pooled_w / pooled_h) % channels;
    const int k = index / pooled_w / pooled_h / channels;
    const RoiGeometry<T> g = roi_geometry(rois + k * 5, pooled_h, pooled_w, spatial_scale, sampling_ratio, aligned);
    const T* feat = input + ((long long)g.batch * channels + c) * height * width;
    T sum = (T)0;
    T best = (T)0;
    T best_y = (T)-1, best_x = (T)-1;
    bool found = false;
    for (int iy = 0; iy < g.grid_h; ++iy) {
      const T y = g.start_h + (T)ph * g.bin_h + ((T)iy + (T).5) * g.bin_h / (T)g.grid_h;
      for (int ix = 0; ix < g.grid_w; ++ix) {
        const T x = g.start_w + (T)pw * g.bin_w + ((T)ix + (T).5) * g.bin_w / (T)g.grid_w;
        T w[4];
        int pos[4];
        bool valid;
        bilinear_weights(height, width, y, x, w, pos, &valid);
        const T val = valid ? w[0] * feat[pos[0]] + w[1] * feat[pos[1]] + w[2] * feat[pos[2]] + w[3] * feat[pos[3]]
                            : (T)0;
        sum += val;
        if (!found || val > best) {
          best = val;
          best_y = y;
          best_x = x;
          found = true;
        }
      }
    }
    if (pool_mode == 0) {
      output[index] = best;  // 0 for an empty bin
      argmax_y[index] = best_y;
      argmax_x[index] = best_x;
    } else {
      const int count = g.grid_h * g.grid_w > 1 ? g.grid_h * g.grid_w : 1;
      output[index] = sum / (T)count;
    }
  }
}

template <typename T>
__device__ void roi_align_backward(const T* __restrict__ grad_output, const T* __restrict__ rois,
                                   const T* __restrict__ argmax_y, const T* __restrict__ argmax_x,
                                   T* __restrict__ grad_input, int total, int channels, int height, int width,
                                   int pooled_h, int pooled_w, T spatial_scale, int sampling_ratio, int pool_mode,
                                   int aligned) {
  for (int index = blockIdx.x * blockDim.x + threadIdx.x; index < total; index += blockDim.x * gridDim.x) {
    const int pw = index % pooled_w;
    const int ph = (index / pooled_w) % pooled_h;
    const int c = (index / pooled_w / pooled_h) % channels;
    const int k = index / pooled_w / pooled_h / channels;
    const RoiGeometry<T> g = roi_geometry(rois + k * 5, pooled_h, pooled_w, spatial_scale, sampling_ratio, aligned);
    T* gfeat = grad_input + ((long long)g.batch * channels + c) * height * width;
    const T go = grad_output[index];
    T w[4];
    int pos[4];
    bool valid;
    if (pool_mode == 0) {
      const T y = argmax_y[index];
      const T x = argmax_x[index];
      if (y == (T)-1 && x == (T)-1) continue;  // empty bin
      bilinear_weights(height, width, y, x, w, pos, &valid);
      if (!valid) continue;
      for (int q = 0; q < 4; ++q) atomicAdd(gfeat + pos[q], go * w[q]);
    } else {
      const int count = g.grid_h * g.grid_w > 1 ? g.grid_h * g.grid_w : 1;
      const T gs = go / (T)count;
      for (int iy = 0; iy < g.grid_h; ++iy) {
        const T y = g.start_h + (T)ph * g.bin_h + ((T)iy + (T).5) * g.bin_h / (T)g.grid_h;
        for (int ix = 0; ix < g.grid_w; ++ix) {
          const T x = g.start_w + (T)pw * g.bin_w + ((T)ix + (T).5) * g.bin_w / (T)g.grid_w;
          bilinear_weights(height, width, y, x, w, pos, &valid);
          if (!valid) continue;
          for (int q = 0; q < 4; ++q) atomicAdd(gfeat + pos[q], gs * w[q]);
        }
      }
    }
  }
}

#define ROI_ALIGN_ENTRY(SUFFIX, T)                                                                                    \
  extern "C" __global__ void roi_align_forward_##SUFFIX(                                                             \
      const T* input, const T* rois, T* output, T* argmax_y, T* argmax_x, int total, int channels, int height,       \
      int width, int pooled_h, int pooled_w, T spatial_scale, int sampling_ratio, int pool_mode, int aligned) {     \
    roi_align_forward<T>(input, rois, output, argmax_y, argmax_x, total, channels, height, width, pooled_h,          \
                         pooled_w, spatial_scale, sampling_ratio, pool_mode, aligned);                               \
  }                                                                                                                  \
  extern "C" __global__ void roi_align_backward_##SUFFIX(                                                            \
      const T* grad_output, const T* rois, const T* argmax_y, const T* argmax_x, T* grad_input, int total,           \
      int channels, int height, int width, int pooled_h, int pooled_w, T spatial_scale, int sampling_ratio,          \
      int pool_mode, int aligned) {                                                                                  \
    roi_align_backward<T>(grad_output, rois, argmax_y, argmax_x, grad_input, total, channels, height, width,        \
                          pooled_h, pooled_w, spatial_scale, sampling_ratio, pool_mode, aligned);                    \
  }

ROI_ALIGN_ENTRY(f32, float)
ROI_ALIGN_ENTRY(f64, double)
