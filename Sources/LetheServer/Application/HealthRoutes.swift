import Foundation
import Hummingbird
import LetheCore
import LetheEngine
import Prometheus

/// Liveness, readiness and Prometheus metrics: unauthenticated, and free of personal data.
struct HealthRoutes: Sendable {
    /// The runtime whose store and keys `/ready` checks and whose queue `/metrics` counts.
    let runtime: Runtime
    /// The registry `/metrics` renders, shared with the process's swift-metrics backend.
    let registry: PrometheusCollectorRegistry

    /// Adds `GET /health`, `/ready` (503 with a problem when the store or key is unavailable) and `/metrics`.
    func register(on router: Router<LetheRequestContext>) {
        // Alive: the process answers. Nothing else is checked, so a slow database does not get it killed.
        router.get("health") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "application/json", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ok"}"#))
            )
        }
        // Ready: the store answers a read and the master key opens a data key path; a load balancer
        // sends traffic only then.
        router.get("ready") { _, _ in
            do {
                try await runtime.checkReadiness()
            } catch {
                throw Problem(
                    "not-ready",
                    "Not ready",
                    status: 503,
                    detail: "the store or the master key is not available"
                )
            }
            return Response(
                status: .ok,
                headers: [.contentType: "application/json", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ready"}"#))
            )
        }
        router.get("metrics") { _, _ in
            try await refreshQueueGauges()
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer()))
            )
        }
    }

    /// Queue depth by status, due-soon (within 7 days) and overdue, counted at scrape time.
    func refreshQueueGauges() async throws {
        let today = LocalDate(instant: runtime.clock.now(), in: TimeZone(identifier: "UTC") ?? .current)
        let depth = try await runtime.oversight.queueDepth(today: today, dueSoonBy: Urgency.dueSoonBy(today))
        for status in RequestQuery.open.sorted(by: { $0.rawValue < $1.rawValue }) {
            registry.makeGauge(
                name: "lethe_requests_open",
                labels: [("status", status.rawValue)],
                help: "Open privacy requests by status."
            ).set(Double(depth.byStatus[status] ?? 0))
        }
        registry.makeGauge(
            name: "lethe_requests_due_soon",
            help: "Open requests due within \(Urgency.dueSoonDays) days."
        )
        .set(Double(depth.dueSoon))
        registry.makeGauge(name: "lethe_requests_overdue", help: "Open requests past their binding deadline.")
            .set(Double(depth.overdue))
        // The audit chain's anchored head, for an outside witness: a sequence number that ever goes down,
        // or a different MAC for a sequence number already seen, means the trail was rolled back. The
        // MAC's first 48 bits fit a gauge's double exactly.
        if let head = try await runtime.evidence.auditHead() {
            registry.makeGauge(name: "lethe_audit_head_seq", help: "Sequence number of the newest audit entry.")
                .set(Double(head.seq))
            let prefix = head.mac.prefix(6).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            registry.makeGauge(
                name: "lethe_audit_head_mac48",
                help: "The first 48 bits of the newest audit entry's MAC, as an integer."
            ).set(Double(prefix))
        }
    }
}
