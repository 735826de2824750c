// RoIPool forward/backward (workbench.ops.roi_pool), torchvision/Fast R-CNN semantics.
//
// Roi corners are rounded (half away from zero) after scaling; the roi spans at least 1x1 cells; bin b covers
// [floor(b * size), ceil((b + 1) * size)) offset by the roi start and clipped to the map. An empty bin outputs 0
// and argmax -1. The backward adds each output gradient to the argmax cell with atomicAdd (overlapping rois make
// the summation order run-dependent: not bitwise reproducible).

template <typename T>
__device__ void roi_pool_forward(const T* __restrict__ input, const T* __restrict__ rois, T* __restrict__ output,
                                 int* __restrict__ argmax, int total, int channels, int height, int width,
                                 int pooled_h, int pooled_w, T spatial_scale) {
  for (int index = blockIdx.x * blockDim.x + threadIdx.x; index < total; index += blockDim.x * gridDim.x) {
    const int pw = index % pooled_w;
    const int ph = (index / pooled_w) % pooled_h;
    const int c = (index / pooled_w / pooled_h) % channels;
    const int k = index / pooled_w / pooled_h / channels;
    const T* roi = rois + k * 5;
    const int batch = (int)roi[0];
    const int start_w = (int)round(roi[1] * spatial_scale);
    const int start_h = (int)round(roi[2] * spatial_scale);
    const int end_w = (int)round(roi[3] * spatial_scale);
    const int end_h = (int)round(roi[4] * spatial_scale);
    const int roi_w = max(end_w - start_w + 1, 1);
    const int roi_h = max(end_h - start_h + 1, 1);
    const T bin_h = (T)roi_h / (T)pooled_h;
    const T bin_w = (T)roi_w / (T)pooled_w;
    int hstart = (int)floor((T)ph * bin_h);
    int wstart = (int)floor((T)pw * bin_w);
    int hend = (int)ceil((T)(ph + 1) * bin_h);
    int wend = (int)ceil((T)(pw + 1) * bin_w);
    hstart = min(max(hstart + start_h, 0), height);
    hend = min(max(hend + start_h, 0), height);
    wstart = min(max(wstart + start_w, 0), width);
    wend = min(max(wend + start_w, 0), width);
    const T* feat = input + ((long long)batch * channels + c) * height * width;
    int best_idx = -1;
    T best = (T)0;
    for (int h = hstart; h < hend; ++h) {
      for (int w = wstart; w < wend; ++w) {
        const int idx = h * width + w;
        if (best_idx < 0 || feat[idx] > best) {
          best = feat[idx];
          best_idx = idx;
        }
      }
    }
    output[index] = best;
    argmax[index] = best_idx;
  }
}

template <typename T>
__device__ void roi_pool_backward(const T* __restrict__ grad_output, const T* __restrict__ rois,
                                  const int* __restrict__ argmax, T* __restrict__ grad_input, int total, int channels,
                                  int height, int width, int pooled_h, int pooled_w) {
  for (int index = blockIdx.x * blockDim.x + threadIdx.x; index < total; index += blockDim.x * gridDim.x) {
    const int a = argmax[index];
    if (a < 0) continue;
    const int c = (index / pooled_w / pooled_h) % channels;
    const int k = index / pooled_w / pooled_h / channels;
    const int batch = (int)rois[k * 5];
    atomicAdd(grad_input + ((long long)batch * channels + c) * height * width + a, grad_output[index]);
  }
}

#define ROI_POOL_ENTRY(SUFFIX, T)                                                                                     \
  extern "C" __global__ void roi_pool_forward_##SUFFIX(const T* input, const T* rois, T* output, int* argmax,        \
                                                       int total, int channels, int height, int width, int pooled_h, \
                                                       int pooled_w, T spatial_scale) {                              \
    roi_pool_forward<T>(input, rois, output, argmax, total, channels, height, width, pooled_h, pooled_w,             \
                        spatial_scale);                                                                              \
  }                                                                                                                  \
  extern "C" __global__ void roi_pool_backward_##SUFFIX(const T* grad_output, const T* rois, const int* argmax,      \
                                                        T* grad_input, int total, int channels, int height,          \
                                                        int width, int pooled_h, int pooled_w) {                     \
    roi_pool_backward<T>(grad_output, rois, argmax, grad_input, total, channels, height, width, pooled_h, pooled_w); \
  }

ROI_POOL_ENTRY(f32, float)
ROI_POOL_ENTRY(f64, double)
