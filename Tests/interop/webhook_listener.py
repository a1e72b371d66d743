#!/usr/bin/env python3
"""A loopback webhook receiver for tests: records each POST (headers and body) as one JSON line.

    python3 webhook_listener.py OUTFILE FAIL_FIRST_N [LIFETIME_SECONDS]
Prints the port it listens on, then serves on 127.0.0.1 until a POST to /shutdown, until killed, or
until its lifetime (default 60 s) runs out, so a crashed test never leaves it behind. The first FAIL_FIRST_N requests get 500.
"""
import json
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

out_path, fail_first = sys.argv[1], int(sys.argv[2])
seen = {"count": 0}


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        if self.path == "/shutdown":
            # The test is done: stop serving (from another thread; shutdown() waits for this loop).
            self.send_response(204)
            self.end_headers()
            threading.Thread(target=self.server.shutdown).start()
            return
        length = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(length)
        seen["count"] += 1
        with open(out_path, "a") as out:
            out.write(json.dumps({"headers": {k.lower(): v for k, v in self.headers.items()},
                                  "body": body.decode("utf-8"), "n": seen["count"]}) + "\n")
        self.send_response(500 if seen["count"] <= fail_first else 200)
        self.end_headers()

    def log_message(self, *args):
        pass


# A test runner may have ignored SIGTERM, and ignored signals survive exec: restore the default.
signal.signal(signal.SIGTERM, signal.SIG_DFL)
server = HTTPServer(("127.0.0.1", 0), Handler)
lifetime = float(sys.argv[3]) if len(sys.argv) > 3 else 60.0
timer = threading.Timer(lifetime, server.shutdown)
timer.daemon = True  # the lifetime must not itself keep the process alive after a shutdown
timer.start()
print(server.server_address[1], flush=True)
server.serve_forever()
