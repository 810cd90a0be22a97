/* meminfo: prints the kernel's struct meminfo, one field a line. */
#include <stdio.h>
#include <unistd.h>

int main(void) {
  struct meminfo m;
  int r = meminfo(&m);
  if (r < 0) {
    dprintf(2, "meminfo: failed (error %d)\n", -r);
    return 1;
  }
  printf("frames_total %u\n"
         "frames_free  %u\n"
         "resident     %u\n"
         "faults       %u\n"
         "faults_total %u\n"
         "swap_total   %u\n"
         "swap_used    %u\n"
         "page_size    %u\n"
         "cow_faults   %u\n"
         "cow_copies   %u\n",
         m.frames_total, m.frames_free, m.resident, m.faults, m.faults_total, m.swap_total, m.swap_used,
         m.page_size, m.cow_faults, m.cow_copies);
  return 0;
}
