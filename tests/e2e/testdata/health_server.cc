// The smallest service the release end-to-end test can deploy: answers
// GET /health with 200 on 127.0.0.1:$PORT, and checks on start that the
// container gives it what config.json promises (uid 65532, a writable /tmp,
// a read-only root).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

volatile sig_atomic_t g_stop = 0;  // the only state a signal handler may touch

void OnTerm(int) { g_stop = 1; }

bool Fails(const char* what) {
  std::fprintf(stderr, "health_server: %s\n", what);
  return true;
}

}  // namespace

int main() {
  const char* port_env = std::getenv("PORT");
  const int port = port_env ? std::atoi(port_env) : 8080;
  if (getuid() != 65532 && Fails("not running as uid 65532")) return 1;
  int probe = open("/tmp/.probe", O_CREAT | O_WRONLY | O_TRUNC, 0600);
  if (probe < 0 && Fails("/tmp is not writable")) return 1;
  close(probe);
  if (open("/.probe", O_CREAT | O_WRONLY, 0600) >= 0 &&
      Fails("the root file system is writable")) {
    return 1;
  }
  struct sigaction sa = {};
  sa.sa_handler = OnTerm;
  sigaction(SIGTERM, &sa, nullptr);
  int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      listen(listener, 64) != 0) {
    std::perror("health_server: bind");
    return 1;
  }
  std::printf("health_server: listening on 127.0.0.1:%d\n", port);
  std::fflush(stdout);
  while (!g_stop) {
    int conn = accept(listener, nullptr, nullptr);
    if (conn < 0) continue;  // EINTR on SIGTERM ends the loop
    char buf[4096];
    ssize_t n = read(conn, buf, sizeof buf - 1);
    std::string request(buf, n > 0 ? static_cast<size_t>(n) : 0);
    const bool health = request.rfind("GET /health ", 0) == 0;
    std::string body = health ? "ok\n" : "not found\n";
    std::string response =
        std::string("HTTP/1.1 ") + (health ? "200 OK" : "404 Not Found") +
        "\r\nContent-Length: " + std::to_string(body.size()) +
        "\r\nConnection: close\r\n\r\n" + body;
    ssize_t ignored = write(conn, response.data(), response.size());
    (void)ignored;
    close(conn);
  }
  std::printf("health_server: stopping\n");
  return 0;
}
