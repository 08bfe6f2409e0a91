#include "ledger/ledger.h"

#include <future>

namespace cityid {

Result<CommandResult> Ledger::Execute(Command command, CommandContext context) {
  std::promise<Result<CommandResult>> promise;
  std::future<Result<CommandResult>> future = promise.get_future();
  Submit(
      std::move(command), std::move(context),
      [&promise](Result<CommandResult> r) { promise.set_value(std::move(r)); });
  return future.get();
}

}  // namespace cityid
