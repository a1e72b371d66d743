import Foundation
import Logging

/// Collects every log line (message and metadata) a logger writes, for scanning.
public final class LogCapture: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []

    public init() {}

    public var lines: [String] {
        lock.lock()
        defer { lock.unlock() }
        return storage
    }

    public func append(_ line: String) {
        lock.lock()
        storage.append(line)
        lock.unlock()
    }

    public func logger(_ label: String) -> Logger {
        var logger = Logger(label: label) { _ in Handler(capture: self) }
        logger.logLevel = .trace
        return logger
    }

    public struct Handler: LogHandler {
        let capture: LogCapture
        public var metadata: Logger.Metadata = [:]
        public var logLevel: Logger.Level = .trace

        public init(capture: LogCapture) { self.capture = capture }

        public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        public func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { $1 }
            capture.append("\(event.level) \(event.message) \(all)")
        }
    }
}
