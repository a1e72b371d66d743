import Foundation
import LetheTestSupport
import Testing

/// Runs the `lethe` executable that `swift build` / `swift test` built next to the test bundle.
struct LetheBinary {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The built executable: beside the running test binary, else in the default build folder.
    static func locate() throws -> URL {
        let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [
            besideTests.appendingPathComponent("lethe"),
            besideTests.deletingLastPathComponent().appendingPathComponent("lethe"),
            packageRoot.appendingPathComponent(".build/debug/lethe"),
        ]
        let found = candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
        return try #require(found, "lethe was not built; run swift build first")
    }

    static func run(
        _ arguments: [String],
        in directory: URL = packageRoot,
        environment extra: [String: String] = [:],
        input: String? = nil
    ) throws -> Result {
        let process = Process()
        process.executableURL = try locate()
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var environment = try Self.environment(arguments)
        environment.merge(extra) { $1 }
        process.environment = environment
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let stdin = Pipe()
        if input != nil { process.standardInput = stdin }
        try process.run()
        if let input {
            stdin.fileHandleForWriting.write(Data(input.utf8))
            try stdin.fileHandleForWriting.close()
        }
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self)
        )
    }

    /// ``run(_:in:environment:input:)`` on a thread of its own, for async tests: waiting for a process
    /// blocks its thread, and the cooperative pool has only as many threads as cores (two here), so a
    /// long command run there stalls every other suite's async work meanwhile.
    static func runAside(_ arguments: [String], environment extra: [String: String] = [:]) async throws -> Result {
        try await onOwnThread { try run(arguments, environment: extra) }
    }

    /// Starts `lethe` without waiting, output discarded: for tests that signal or kill it mid-run.
    static func start(_ arguments: [String], environment extra: [String: String] = [:]) throws -> Process {
        let process = Process()
        process.executableURL = try locate()
        process.arguments = arguments
        process.currentDirectoryURL = packageRoot
        var environment = try Self.environment(arguments)
        environment.merge(extra) { $1 }
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// The port a `lethe serve --port 0` announced in its log ("listening on http://…:PORT"), waiting
    /// up to a minute for it.
    static func listeningPort(in log: String) async throws -> Int {
        for _ in 0..<600 {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            if let range = text.range(of: #"listening on http://[0-9.]+:[0-9]+"#, options: .regularExpression),
                let port = Int(text[range].split(separator: ":").last ?? "")
            {
                return port
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("no port in \(log)")
        throw CancellationError()
    }

    /// The runner's environment without its policy folder, and on PostgreSQL the database of the
    /// `--data` folder, so the test and every `lethe` it starts on that folder share one database.
    static func environment(_ arguments: [String]) throws -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "LETHE_POLICIES")
        if let flag = arguments.firstIndex(of: "--data"), arguments.indices.contains(flag + 1) {
            environment.merge(try TestBackend.environment(forFolder: arguments[flag + 1])) { $1 }
        }
        return environment
    }
}
