#include <pthread.h>
#include <signal.h>

#include <cerrno>
#include <cstring>

#include "server/http_server.h"

namespace vitrine {
namespace {

sigset_t ShutdownSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

}  // namespace

Status BlockShutdownSignals() {
  sigset_t set = ShutdownSignals();
  int err = pthread_sigmask(SIG_BLOCK, &set, nullptr);
  if (err != 0) return Status::Internal(std::string("pthread_sigmask: ") + std::strerror(err));
  return Status::Ok();
}

Status WaitForShutdownSignal(int* signal_number) {
  VITRINE_RETURN_IF_ERROR(BlockShutdownSignals());
  sigset_t set = ShutdownSignals();
  int received = 0;
  int err = sigwait(&set, &received);
  if (err != 0) return Status::Internal(std::string("sigwait: ") + std::strerror(err));
  if (signal_number != nullptr) *signal_number = received;
  return Status::Ok();
}

}  // namespace vitrine
