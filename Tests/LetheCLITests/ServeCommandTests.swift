import Foundation
import Testing

/// `lethe serve` as an operator runs it: settings from flags, environment and file in that order of
/// precedence, and a SIGTERM that lets a request in flight finish before exiting 0.
@Suite("lethe serve", .serialized)
struct ServeCommandTests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lethe-serve-\(UUID().uuidString)")

    /// Starts `lethe serve --port 0`, waits for its "listening on" line and returns the process and port.
    func serve(_ arguments: [String], environment: [String: String] = [:]) async throws -> (Process, Int) {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let output = folder.appendingPathComponent("serve-\(UUID().uuidString).out")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        let process = Process()
        process.executableURL = try LetheBinary.locate()
        process.arguments = ["serve", "--data", folder.appendingPathComponent("data").path, "--port", "0"] + arguments
        process.currentDirectoryURL = LetheBinary.packageRoot
        var env = try LetheBinary.environment(process.arguments ?? [])
        env["LETHE_MASTER_KEY_FILE"] = folder.appendingPathComponent("master.key").path
        env["LETHE_WORKER_ENABLED"] = "false"
        env.merge(environment) { $1 }
        process.environment = env
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = FileHandle.nullDevice
        if !FileManager.default.fileExists(atPath: folder.appendingPathComponent("master.key").path) {
            let created = try LetheBinary.run(
                ["keys", "init"],
                environment: ["LETHE_MASTER_KEY_FILE": folder.appendingPathComponent("master.key").path]
            )
            #expect(created.status == 0)
        }
        try process.run()
        for _ in 0..<600 {
            let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            if let range = text.range(of: #"listening on http://[0-9.]+:[0-9]+"#, options: .regularExpression),
                let port = Int(text[range].split(separator: ":").last ?? "")
            {
                return (process, port)
            }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        process.terminate()
        throw ServeFailure.didNotStart
    }

    enum ServeFailure: Error { case didNotStart }

    /// Sends a raw HTTP request with `python3`, optionally pausing halfway through the body.
    /// With `marker`, the script creates that file once half the body is sent, so a caller can act
    /// while the request is certainly in flight.
    func raw(port: Int, bodyBytes: Int, pause: Double = 0, marker: String = "") throws -> String {
        let script = """
            import socket, sys, time
            body = b'{"kind":"export","email":"' + b'a' * (\(bodyBytes) - 27) + b'"}'
            s = socket.create_connection(("127.0.0.1", \(port)))
            s.sendall(b"POST /api/v1/requests HTTP/1.1\\r\\nHost: x\\r\\nContent-Type: application/json\\r\\n"
                      + b"Content-Length: " + str(len(body)).encode() + b"\\r\\nConnection: close\\r\\n\\r\\n")
            s.sendall(body[: len(body) // 2])
            if "\(marker)": open("\(marker)", "w").close()
            time.sleep(\(pause))
            s.sendall(body[len(body) // 2 :])
            print(s.recv(200).split(b"\\r\\n")[0].decode())
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func stop(_ process: Process) async throws -> Int32 {
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(20)
        while process.isRunning, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    @Test("the environment overrides the configuration file, and a flag overrides the environment")
    func settingsPrecedence() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("lethe.yaml")
        try "http:\n  max-body-bytes: 2048\n  host: 127.0.0.1\n".write(to: file, atomically: true, encoding: .utf8)

        let (fromFile, port1) = try await serve(["--config", file.path])
        // 3000 bytes: over the file's limit, refused before authentication is even looked at.
        #expect(try raw(port: port1, bodyBytes: 3000).contains("413"))
        #expect(try await stop(fromFile) == 0)

        let (fromEnvironment, port2) = try await serve(
            ["--config", file.path],
            environment: ["LETHE_HTTP_MAX_BODY_BYTES": "8192"]
        )
        #expect(try raw(port: port2, bodyBytes: 3000).contains("401"))
        #expect(try await stop(fromEnvironment) == 0)

        // The environment names an address that cannot be bound; the flag wins, so the server starts.
        let (fromFlag, port3) = try await serve(
            ["--config", file.path, "--host", "127.0.0.1"],
            environment: ["LETHE_HTTP_HOST": "203.0.113.7"]
        )
        #expect(port3 > 0)
        #expect(try await stop(fromFlag) == 0)
    }

    @Test("SIGTERM lets a request in flight finish, then exits 0")
    func gracefulShutdown() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let (server, port) = try await serve([])
        let marker = folder.appendingPathComponent("half-sent").path
        async let answer = Task.detached {
            try self.raw(port: port, bodyBytes: 2000, pause: 1.0, marker: marker)
        }.value
        // SIGTERM only once the request is certainly in flight (headers and half the body sent).
        for _ in 0..<500 where !FileManager.default.fileExists(atPath: marker) {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(FileManager.default.fileExists(atPath: marker))
        // Give the server a moment to read the request head: a connection still in the kernel's accept
        // queue, or one whose bytes are unread, is not yet a request in flight and may be closed.
        try await Task.sleep(for: .milliseconds(300))
        kill(server.processIdentifier, SIGTERM)
        let reply = try await answer
        #expect(reply.hasPrefix("HTTP/1.1 401"), "reply: \(reply)")
        let deadline = Date().addingTimeInterval(20)
        while server.isRunning, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(!server.isRunning)
        server.waitUntilExit()
        #expect(server.terminationStatus == 0)
    }

    @Test("serve --demo on a terminal prints its sign-in and no info lines; LETHE_LOG_LEVEL=info asks for them")
    func quietOnATerminal() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        for (level, expectInfo) in [(nil, false), ("info", true)] as [(String?, Bool)] {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let transcript = folder.appendingPathComponent("tty-\(UUID().uuidString).txt")
            let data = folder.appendingPathComponent("data-\(UUID().uuidString)").path
            let lethe = try LetheBinary.locate().path
            // `script` gives the server a pseudo-terminal for standard output and error, as a person's shell does.
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
            process.arguments = [
                // -f flushes the transcript as output arrives (it is otherwise written 4 KiB at a time).
                "-q", "-f", "-e", "-c", "\(lethe) serve --demo --port 0 --data \(data)", transcript.path,
            ]
            var environment = try LetheBinary.environment([])
            environment["LETHE_WORKER_ENABLED"] = "false"
            environment.removeValue(forKey: "LETHE_LOG_LEVEL")
            if let level { environment["LETHE_LOG_LEVEL"] = level }
            process.environment = environment
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            var text = ""
            // Asked for info lines, the first one is enough.
            for _ in 0..<600 {
                text = (try? String(contentsOf: transcript, encoding: .utf8)) ?? ""
                if text.contains("listening on") || (expectInfo && text.contains(" info ")) { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            text = (try? String(contentsOf: transcript, encoding: .utf8)) ?? ""
            let pkill = Process()
            pkill.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            pkill.arguments = ["pkill", "-TERM", "-f", "serve --demo --port 0 --data \(data)"]
            try pkill.run()
            pkill.waitUntilExit()
            process.waitUntilExit()
            if !expectInfo {
                #expect(text.contains("listening on"), "\(text.suffix(300))")
                #expect(text.contains("officer / "))
            }
            let infoLines = text.split(separator: "\n").filter { $0.contains(" info ") }
            if expectInfo {
                #expect(!infoLines.isEmpty)
            } else {
                #expect(infoLines.isEmpty, "\(infoLines.count) info lines, e.g. \(infoLines.first ?? "")")
            }
        }
    }

    @Test("a bad setting is one line on standard error and exit status 2")
    func badSetting() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try LetheBinary.run(
            ["serve", "--data", folder.path, "--port", "70000"],
            environment: ["LETHE_MASTER_KEY_FILE": folder.appendingPathComponent("none.key").path]
        )
        #expect(result.status == 2)
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(result.stderr.contains("port"))
    }
}
