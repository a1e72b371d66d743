import Foundation

/// A real SMTP server (Python's aiosmtpd, `Tests/support/smtp-server.py`) on loopback, started by the
/// test: what it receives is what a relay would.
public final class LoopbackSMTPServer: Sendable {
    /// Where the server writes what it accepts (and, for `starttls`, its certificate as `cert.pem`).
    public let folder: String
    /// The loopback port it listens on.
    public let port: Int
    private let process: Process
    private let input: Pipe

    /// Starts the server in `mode` (`starttls`, `plain` or `silent`) and waits until it listens. The wait
    /// happens on a thread of its own: blocking the test's few cooperative threads while the server makes
    /// its key would stall every other test in the process.
    public static func start(_ mode: String) async throws -> LoopbackSMTPServer {
        let folder = temporaryFolder("lethe-smtp")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("support/smtp-server.py").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, folder, mode]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        let reader = output.fileHandleForReading
        let port = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int, any Error>) in
            Thread.detachNewThread {
                var line = Data()
                while !line.contains(UInt8(ascii: "\n")) {
                    let chunk = reader.availableData
                    guard !chunk.isEmpty else {
                        continuation.resume(
                            throwing: ThrowawayError(
                                "the SMTP test server did not start (is aiosmtpd installed? scripts/test installs it)"
                            )
                        )
                        return
                    }
                    line.append(chunk)
                }
                let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                guard text.hasPrefix("READY "), let port = Int(text.dropFirst(6)) else {
                    continuation.resume(throwing: ThrowawayError("the SMTP test server said '\(text)'"))
                    return
                }
                continuation.resume(returning: port)
            }
        }
        return LoopbackSMTPServer(folder: folder, port: port, process: process, input: input)
    }

    private init(folder: String, port: Int, process: Process, input: Pipe) {
        self.folder = folder
        self.port = port
        self.process = process
        self.input = input
    }

    /// The messages it accepted, oldest first.
    public func received() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".eml") }
            .sorted { (Int($0.dropLast(4)) ?? 0) < (Int($1.dropLast(4)) ?? 0) }
            .map { try String(contentsOfFile: (folder as NSString).appendingPathComponent($0), encoding: .utf8) }
    }

    deinit {
        try? input.fileHandleForWriting.close()
        process.terminate()
    }
}
