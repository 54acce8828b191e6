// OpenBLAS's CBLAS interface (Debian: libopenblas-dev puts cblas.h in the multiarch include dir).
#include <cblas.h>
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
