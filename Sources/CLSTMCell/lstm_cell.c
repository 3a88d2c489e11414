#include "lstm_cell.h"

#if defined(__x86_64__) && defined(__linux__)
// x86-64-v3: AVX2 and FMA (Haswell, Zen and later); the default is baseline SSE2.
#define VARIANTS __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define VARIANTS
#endif

typedef float vf __attribute__((vector_size(32)));
typedef int vi __attribute__((vector_size(32)));

// Macros rather than functions: a function taking or returning a 32-byte vector has a different ABI
// with and without AVX, so helpers cannot be shared between the variants.
#define SPLAT(v) ((vf){v, v, v, v, v, v, v, v})
#define LOAD(p) ({ vf v_; __builtin_memcpy(&v_, (p), sizeof v_); v_; })
#define STORE(p, v) do { vf s_ = (v); __builtin_memcpy((p), &s_, sizeof s_); } while (0)

// eˣ: x = n·ln 2 + r with |r| ≤ ln 2 / 2 (Cody–Waite split of ln 2), eʳ by its degree-6 Taylor polynomial
// (relative error < 2·10⁻⁷), 2ⁿ built in the exponent bits. n is rounded by adding 1.5·2²³, which leaves
// it in the low mantissa bits, so no float→int conversion is needed.
#define VEXP(x0) ({ \
    vf x_ = __builtin_elementwise_min(__builtin_elementwise_max((x0), SPLAT(-87.0f)), SPLAT(88.0f)); \
    const vf magic_ = SPLAT(12582912.0f); \
    vf shifted_ = x_ * SPLAT(1.44269504f) + magic_; \
    vf n_ = shifted_ - magic_; \
    vf r_ = x_ - n_ * SPLAT(0.693359375f) + n_ * SPLAT(2.1219444e-4f); \
    vf p_ = SPLAT(1.0f / 720); \
    p_ = p_ * r_ + SPLAT(1.0f / 120); \
    p_ = p_ * r_ + SPLAT(1.0f / 24); \
    p_ = p_ * r_ + SPLAT(1.0f / 6); \
    p_ = p_ * r_ + SPLAT(0.5f); \
    p_ = p_ * r_ + SPLAT(1.0f); \
    p_ = p_ * r_ + SPLAT(1.0f); \
    vi k_ = (vi)shifted_ - (vi)magic_; \
    p_ * (vf)((k_ + 127) << 23); })

#define SIGMOID(v) (SPLAT(1.0f) / (SPLAT(1.0f) + VEXP(-(v))))
#define TANH(v) (SPLAT(2.0f) / (SPLAT(1.0f) + VEXP(SPLAT(-2.0f) * (v))) - SPLAT(1.0f))

VARIANTS
void augur_lstm_cell_forward(int rows, int hidden, float *z, const float *x, const float *wx, const float *b,
                             const float *c_prev, float *c, float *tanh_c, float *h) {
    const int H = hidden, G = 4 * hidden;
    for (int r = 0; r < rows; r++, z += G, c_prev += H, c += H, tanh_c += H, h += H) {
        const vf xv = SPLAT(x[r]);
        for (int j = 0; j < H; j += 8) {
            vf i = SIGMOID(LOAD(z + j) + xv * LOAD(wx + j) + LOAD(b + j));
            vf f = SIGMOID(LOAD(z + H + j) + xv * LOAD(wx + H + j) + LOAD(b + H + j));
            vf g = TANH(LOAD(z + 2 * H + j) + xv * LOAD(wx + 2 * H + j) + LOAD(b + 2 * H + j));
            vf o = SIGMOID(LOAD(z + 3 * H + j) + xv * LOAD(wx + 3 * H + j) + LOAD(b + 3 * H + j));
            STORE(z + j, i);
            STORE(z + H + j, f);
            STORE(z + 2 * H + j, g);
            STORE(z + 3 * H + j, o);
            vf cv = f * LOAD(c_prev + j) + i * g;
            vf t = TANH(cv);
            STORE(c + j, cv);
            STORE(tanh_c + j, t);
            STORE(h + j, o * t);
        }
    }
}

VARIANTS
void augur_lstm_cell_backward(int rows, int hidden, const float *gates, const float *c_prev, const float *tanh_c,
                              const float *dh, float *dc, float *dz) {
    const int H = hidden, G = 4 * hidden;
    const vf one = SPLAT(1.0f);
    for (int r = 0; r < rows; r++, gates += G, c_prev += H, tanh_c += H, dh += H, dc += H, dz += G) {
        for (int j = 0; j < H; j += 8) {
            vf i = LOAD(gates + j), f = LOAD(gates + H + j), g = LOAD(gates + 2 * H + j), o = LOAD(gates + 3 * H + j);
            vf t = LOAD(tanh_c + j), dhv = LOAD(dh + j);
            vf dct = LOAD(dc + j) + dhv * o * (one - t * t);
            STORE(dz + j, dct * g * i * (one - i));
            STORE(dz + H + j, dct * LOAD(c_prev + j) * f * (one - f));
            STORE(dz + 2 * H + j, dct * i * (one - g * g));
            STORE(dz + 3 * H + j, dhv * t * o * (one - o));
            STORE(dc + j, dct * f);
        }
    }
}

VARIANTS
void augur_lstm_exp(int n, const float *x, float *y) {
    for (int j = 0; j < n; j += 8) STORE(y + j, VEXP(LOAD(x + j)));
}
