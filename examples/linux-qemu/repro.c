// Reproducer for the kernel example (examples/linux-qemu): asks for the
// calling task's tag with prctl(PR_GET_TASK_TAG). On a kernel without the
// option the call fails with EINVAL; on one with the bug of the generated
// history it crashes the kernel in about half of the boots. Exits 0 whenever
// it survives, so that the VM powers off cleanly (culprit's init script
// runs poweroff after it).
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

#ifndef PR_GET_TASK_TAG
#define PR_GET_TASK_TAG 70
#endif

int main(void) {
  unsigned long tag = 0;
  if (prctl(PR_GET_TASK_TAG, &tag, 0, 0, 0) == 0)
    printf("repro: task tag %#lx\n", tag);
  else
    printf("repro: PR_GET_TASK_TAG: %s\n", strerror(errno));
  return 0;
}
