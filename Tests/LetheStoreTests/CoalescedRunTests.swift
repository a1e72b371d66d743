import Foundation
import Synchronization
import Testing

@testable import LetheStore

/// Erasures that finish together share one checkpoint, and each is answered by a run that started after
/// it asked.
@Suite("Coalesced checkpoints")
struct CoalescedRunTests {
    struct Failed: Error, Equatable {}

    /// Runs started and finished, counted by the operation itself.
    final class Counters: Sendable {
        private let counts = Mutex((started: 0, finished: 0))
        func start() -> Int {
            counts.withLock {
                $0.started += 1; return $0.started
            }
        }
        func finish() { counts.withLock { $0.finished += 1 } }
        var started: Int { counts.withLock { $0.started } }
        var finished: Int { counts.withLock { $0.finished } }
    }

    /// Ten callers: the first is inside the first run until the other nine are waiting.
    static func tenCallers(
        failing failingRun: Int? = nil
    ) async -> (runs: Int, results: [Result<Bool, Failed>]) {
        let counters = Counters()
        let holder = Mutex<CoalescedRun?>(nil)
        let run = CoalescedRun {
            let number = counters.start()
            if number == 1, let run = holder.withLock({ $0 }) {
                let deadline = Date().addingTimeInterval(30)
                while run.waiting < 9 && Date() < deadline { try await Task.sleep(for: .milliseconds(1)) }
            }
            counters.finish()
            if number == failingRun { throw Failed() }
        }
        holder.withLock { $0 = run }
        let results = await withTaskGroup(of: Result<Bool, Failed>.self) { group in
            group.addTask { await Self.call(run, counters) }
            while counters.started == 0 { try? await Task.sleep(for: .milliseconds(1)) }
            for _ in 1...9 { group.addTask { await Self.call(run, counters) } }
            var results: [Result<Bool, Failed>] = []
            for await result in group { results.append(result) }
            return results
        }
        return (run.runs, results)
    }

    /// Whether a run that started after the call had finished when it returned.
    static func call(_ run: CoalescedRun, _ counters: Counters) async -> Result<Bool, Failed> {
        let startedBefore = counters.started
        do {
            try await run.run()
            return .success(counters.finished >= startedBefore + 1)
        } catch {
            return .failure(Failed())
        }
    }

    @Test("callers that arrive during a run share the next one, which starts after all of them asked")
    func sharedByLateComers() async {
        let (runs, results) = await Self.tenCallers()
        #expect(runs == 2)
        #expect(results.count == 10)
        #expect(results.allSatisfy { $0 == .success(true) })
    }

    @Test("a run's failure reaches the callers it served, and only them")
    func failureReachesItsCallers() async {
        let (runs, results) = await Self.tenCallers(failing: 2)
        #expect(runs == 2)
        #expect(results.filter { $0 == .failure(Failed()) }.count == 9)
        #expect(results.filter { $0 == .success(true) }.count == 1)
    }

    @Test("a caller alone runs the operation itself, every time it asks")
    func aloneRunsEachTime() async throws {
        let counters = Counters()
        let run = CoalescedRun {
            _ = counters.start()
            counters.finish()
        }
        for _ in 1...3 { try await run.run() }
        #expect(run.runs == 3)
    }
}
