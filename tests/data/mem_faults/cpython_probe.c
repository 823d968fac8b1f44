#include <Python.h>
#include <string.h>
int main(int argc, char **argv) {
    Py_Initialize();
    const char *k = argv[1];
    if (!strcmp(k, "double_free")) { char *p = PyMem_Malloc(16); PyMem_Free(p); PyMem_Free(p); }
    if (!strcmp(k, "write_after_free")) { char *p = PyMem_Malloc(16); PyMem_Free(p); p[0] = 'x'; p[15]='y'; char *q = PyMem_Malloc(16); PyMem_Free(q); fprintf(stderr, "no detection (q==p: %d)\n", q==p);}
    if (!strcmp(k, "write_after_free_pad")) { char *p = PyMem_Malloc(16); PyMem_Free(p); p[16] = 'x'; char *q = PyMem_Malloc(16); fprintf(stderr, "same=%d\n", q==p); PyMem_Free(q); fprintf(stderr, "no detection\n");}
    if (!strcmp(k, "mismatch")) { char *p = PyObject_Malloc(16); PyMem_Free(p); }
    if (!strcmp(k, "mismatch_raw")) { char *p = PyMem_RawMalloc(16); PyMem_Free(p); }
    if (!strcmp(k, "overflow")) { char *p = PyMem_Malloc(16); p[16]='x'; PyMem_Free(p); }
    if (!strcmp(k, "underflow")) { char *p = PyMem_Malloc(16); p[-1]='x'; PyMem_Free(p); }
    if (!strcmp(k, "overflow100")) { char *p = PyMem_Malloc(100); memset(p,'z',100); p[100]='x'; PyMem_Free(p); }
    if (!strcmp(k, "realloc_overflow")) { char *p = PyMem_Malloc(16); p[16]='x'; p = PyMem_Realloc(p, 32); }
    if (!strcmp(k, "nogil")) { Py_BEGIN_ALLOW_THREADS char *p = PyMem_Malloc(16); (void)p; Py_END_ALLOW_THREADS }
    if (!strcmp(k, "nogil_obj")) { Py_BEGIN_ALLOW_THREADS char *p = PyObject_Malloc(16); (void)p; Py_END_ALLOW_THREADS }
    if (!strcmp(k, "raw_double_free")) { char *p = PyMem_RawMalloc(16); PyMem_RawFree(p); PyMem_RawFree(p); }
    Py_Finalize();
    return 0;
}
