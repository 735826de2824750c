// Sigmoid focal loss, element-wise forward and backward (workbench.ops.sigmoid_focal_loss).
//
// pred (N, C) logits, target (N,) int64 in [0, C], C = background. Per element, with z = (target == class):
//   loss = BCEWithLogits(x, z) * a * pt^gamma,  a = z ? alpha : 1 - alpha,  pt = z ? 1 - p : p,  p = sigmoid(x)
// (mmdet's CPU formulation; BCE in the overflow-free form max(x, 0) - x z + log1p(exp(-|x|))). Weights and the
// reduction are applied by the caller. No atomics: deterministic.

__device__ __forceinline__ float t_exp(float v) { return expf(v); }
__device__ __forceinline__ double t_exp(double v) { return exp(v); }
__device__ __forceinline__ float t_log1p(float v) { return log1pf(v); }
__device__ __forceinline__ double t_log1p(double v) { return log1p(v); }
__device__ __forceinline__ float t_pow(float a, float b) { return powf(a, b); }
__device__ __forceinline__ double t_pow(double a, double b) { return pow(a, b); }
__device__ __forceinline__ float t_abs(float v) { return fabsf(v); }
__device__ __forceinline__ double t_abs(double v) { return fabs(v); }

template <typename T>
struct FocalTerms {
  T p, bce, a, pt, z;
};

template <typename T>
__device__ __forceinline__ FocalTerms<T> focal_terms(T x, bool positive, T alpha) {
  FocalTerms<T> f;
  f.z = positive ? (T)1 : (T)0;
  f.p = (T)1 / ((T)1 + t_exp(-x));
  f.bce = (x > (T)0 ? x : (T)0) - x * f.z + t_log1p(t_exp(-t_abs(x)));
  f.a = positive ? alpha : (T)1 - alpha;
  f.pt = positive ? (T)1 - f.p : f.p;
  return f;
}

template <typename T>
__device__ void focal_forward(const T* __restrict__ pred, const long long* __restrict__ target, T* __restrict__ out,
                              int total, int num_classes, T gamma, T alpha) {
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < total; i += blockDim.x * gridDim.x) {
    const long long t = target[i / num_classes];
    const FocalTerms<T> f = focal_terms(pred[i], t == (long long)(i % num_classes), alpha);
    out[i] = f.bce * f.a * t_pow(f.pt, gamma);
  }
}

template <typename T>
__device__ void focal_backward(const T* __restrict__ pred, const long long* __restrict__ target,
                               const T* __restrict__ grad_out, T* __restrict__ grad, int total, int num_classes,
                               T gamma, T alpha) {
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < total; i += blockDim.x * gridDim.x) {
    const long long t = target[i / num_classes];
    const bool positive = t == (long long)(i % num_classes);
    const FocalTerms<T> f = focal_terms(pred[i], positive, alpha);
    const T dpt = (positive ? (T)-1 : (T)1) * f.p * ((T)1 - f.p);  // d pt / dx
    const T ptg = t_pow(f.pt, gamma);
    // d(pt^gamma)/dx = gamma pt^(gamma-1) dpt, taken as 0 at pt == 0 (where dpt is 0 too)
    const T dptg = f.pt > (T)0 ? gamma * t_pow(f.pt, gamma - (T)1) * dpt : (T)0;
    grad[i] = grad_out[i] * f.a * ((f.p - f.z) * ptg + f.bce * dptg);
  }
}

#define FOCAL_ENTRY(SUFFIX, T)                                                                                        \
  extern "C" __global__ void sigmoid_focal_forward_##SUFFIX(const T* pred, const long long* target, T* out,         \
                                                            int total, int num_classes, T gamma, T alpha) {          \
    focal_forward<T>(pred, target, out, total, num_classes, gamma, alpha);                                           \
  }                                                                                                                  \
  extern "C" __global__ void sigmoid_focal_backward_##SUFFIX(const T* pred, const long long* target,                \
                                                             const T* grad_out, T* grad, int total, int num_classes, \
                                                             T gamma, T alpha) {                                     \
    focal_backward<T>(pred, target, grad_out, grad, total, num_classes, gamma, alpha);                               \
  }

FOCAL_ENTRY(f32, float)
FOCAL_ENTRY(f64, double)
