// Adds argv[1] to INT_MAX: "1" is a signed overflow, "0" is not. Built with the project's
// flags, it shows that undefined behaviour fails a test under the asan preset instead of
// printing a line and exiting 0.
#include <climits>
#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  volatile int big = INT_MAX;
  const int sum = big + std::atoi(argv[1]);
  std::printf("%d\n", sum);
  return 0;
}
