#ifndef AUGUR_LSTM_CELL_H
#define AUGUR_LSTM_CELL_H

// The LSTM's per-element gate arithmetic for a batch of windows at one time step. Rows are windows:
// gate rows hold 4·hidden values (input, forget, cell, output gates), state rows hold hidden values.
// `hidden` must be a multiple of 8. Compiled for x86-64-v3 (AVX2, FMA) and for baseline x86-64, the one
// chosen when the program loads, as OpenBLAS chooses its kernels. Like those kernels, the variants round
// differently in the last bits (fused multiply-adds): a training run is reproducible on one machine.

// Activates the gate pre-activations in `z` in place (adding x·wx + b), then writes the new cell
// state `c`, its tanh and the hidden state `h`.
void augur_lstm_cell_forward(int rows, int hidden, float *z, const float *x, const float *wx, const float *b,
                             const float *c_prev, float *c, float *tanh_c, float *h);

// From dL/dh and the carried dL/dc (updated in place to the previous step's), the gate
// pre-activation gradients `dz`.
void augur_lstm_cell_backward(int rows, int hidden, const float *gates, const float *c_prev, const float *tanh_c,
                              const float *dh, float *dc, float *dz);

// eˣ for `n` values (a multiple of 8), the approximation the gates use; for tests.
void augur_lstm_exp(int n, const float *x, float *y);

#endif
