// Test helpers for api/ tests: a raw TCP connection for hostile-client
// tests (byte-exact writes, reads with a deadline, close detection).
#ifndef CITYID_API_TEST_UTIL_H_
#define CITYID_API_TEST_UTIL_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace cityid::testing {

// A blocking loopback TCP connection. Reads wait at most the given timeout.
class RawConnection {
 public:
  explicit RawConnection(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ =
        ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~RawConnection() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return connected_; }

  bool Send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Reads until the peer closes or `timeout` passes. Sets closed() when the
  // peer closed (EOF or reset).
  std::string ReadUntilClose(std::chrono::milliseconds timeout) {
    return ReadUntil([](const std::string&) { return false; }, timeout);
  }

  // Reads until `data` contains `needle`, the peer closes, or timeout.
  std::string ReadUntilContains(std::string_view needle,
                                std::chrono::milliseconds timeout) {
    return ReadUntil(
        [needle](const std::string& d) {
          return d.find(needle) != std::string::npos;
        },
        timeout);
  }

  bool closed() const { return closed_; }

 private:
  template <typename Done>
  std::string ReadUntil(Done done, std::chrono::milliseconds timeout) {
    std::string data;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done(data)) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      char buf[4096];
      const ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) {
        closed_ = true;
        break;
      }
      data.append(buf, static_cast<size_t>(n));
    }
    return data;
  }

  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
};

}  // namespace cityid::testing

#endif  // CITYID_API_TEST_UTIL_H_
