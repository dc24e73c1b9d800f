// A minimal HTTP server for the image tests: answers every request with
// 200 and the uid/gid it runs as, so a test can prove both that the image
// starts under runc and that it runs as nonroot (65532). Port: argv[1].
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char** argv) {
  const int port = argc > 1 ? std::atoi(argv[1]) : 8080;
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  if (listener < 0) return 1;
  const int one = 1;
  ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(listener, 16) != 0) {
    std::perror("listen");
    return 1;
  }
  // A file the test can look for proves /tmp is writable by nonroot.
  if (FILE* f = std::fopen("/tmp/health_server.started", "w")) std::fclose(f);
  const std::string body = "ok uid=" + std::to_string(::getuid()) +
                           " gid=" + std::to_string(::getgid()) + "\n";
  const std::string response =
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  while (true) {
    const int client = ::accept(listener, nullptr, nullptr);
    if (client < 0) continue;
    char request[4096];
    if (::read(client, request, sizeof(request)) > 0) {
      if (::write(client, response.data(), response.size()) < 0) {
        std::perror("write");
      }
    }
    ::close(client);
  }
}
