import Foundation

/// The source of "now" for everything that stamps or compares instants.
///
/// Injected everywhere so that tests, drills (`--as-of`) and replays control time; nothing in Lethe
/// reads the system clock directly.
public protocol WallClock: Sendable {
    /// The current instant.
    func now() -> Date
}

/// The system's real-time clock.
public struct SystemWallClock: WallClock {
    /// The real clock.
    public init() {}
    /// The system's current time.
    public func now() -> Date { Date() }
}

/// A clock that always answers the same instant: for tests and `--as-of` runs.
public struct FixedWallClock: WallClock {
    /// The instant this clock always answers.
    public let instant: Date
    /// A clock stopped at `instant`.
    public init(_ instant: Date) { self.instant = instant }
    /// Always ``instant``.
    public func now() -> Date { instant }
}
