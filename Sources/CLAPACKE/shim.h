// OpenBLAS' CBLAS (Debian libopenblas-dev, /usr/include/<triplet>/cblas.h) and LAPACKE (liblapacke-dev).
#include <cblas.h>
#include <lapacke.h>
