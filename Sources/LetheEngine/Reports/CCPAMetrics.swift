import Foundation
import LetheCore
import LetheStore

/// The metrics 11 CCR §7102(a) asks of a large business, for one calendar year: per kind of request,
/// how many were received, complied with in whole or in part, and denied, and the median days to respond.
public struct CCPAMetrics: Sendable, Equatable {
    /// The kinds the regulation names, as Lethe records them.
    /// §7102(a)(1)(A)-(E) name five kinds; each is reported, with zeros when none was received.
    public enum Kind: String, Sendable, CaseIterable {
        /// Requests to know (Lethe's exports) and requests to delete.
        case know, delete
        /// Requests to correct (§7102(a)(1)(C)): Lethe's correction requests.
        case correct
        /// Requests to opt out of sale or sharing: consent changes on the opt-out-of-sale clock.
        case optOut = "opt-out"
        /// Requests to limit the use of sensitive personal information (§7102(a)(1)(E)): consent changes on
        /// the `limit-sensitive-use` clock.
        case limit
        /// Appeals against refusals. §7102 names no appeal category (the CCPA grants no statutory appeal), but
        /// a business that offers appeals reports them beside the rest, so they are their own row rather
        /// than folded into ``other``.
        case appeal
        /// Everything else (other consent changes, deactivations); counted so totals reconcile.
        case other
    }

    /// One line of the disclosure: the counts for one kind of request.
    public struct Row: Sendable, Equatable {
        /// The kind of request the row counts.
        public let kind: Kind
        /// Requests of this kind received in the year.
        public var received = 0
        /// Requests completed, in whole or in part.
        public var compliedInWholeOrInPart = 0
        /// Requests denied, whatever the basis.
        public var denied = 0
        /// Denials per legal basis (`DenialReason` raw value); not part of the CSV, for the officer's review.
        public var deniedByBasis: [String: Int] = [:]
        /// Requests still open when the metrics were compiled; cancelled ones are in no column but ``received``.
        public var open = 0
        /// Calendar days from receipt to the substantive response (completion or denial); nil when none yet.
        public var medianDaysToRespond: Double?
    }

    /// The calendar year the requests were received in.
    public let year: Int
    /// The jurisdiction id whose requests are counted (`us-ca` for CCPA).
    public let jurisdiction: String
    /// One row per kind, in the order of ``Kind``: every kind the regulation names, zeros included.
    public let rows: [Row]
    /// The regulation these metrics answer, for headings and exported files.
    public static let citation = "11 CCR §7102(a)"

    /// Counts requests received in `year` (in the jurisdiction's calendar, UTC boundaries) under `jurisdiction`.
    /// - Throws: the store's errors (`StoreError`).
    public static func compile(
        year: Int,
        jurisdiction: String = "us-ca",
        store: any RequestRepository
    ) async throws
        -> CCPAMetrics
    {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        guard let start = calendar.date(from: DateComponents(year: year, month: 1, day: 1)),
            let end = calendar.date(from: DateComponents(year: year + 1, month: 1, day: 1))
        else { return CCPAMetrics(year: year, jurisdiction: jurisdiction, rows: Kind.allCases.map { Row(kind: $0) }) }
        let outcomes = try await store.requestOutcomes(jurisdiction: jurisdiction, receivedFrom: start, before: end)
        var rows: [Kind: Row] = [:]
        var days: [Kind: [Double]] = [:]
        for outcome in outcomes {
            let kind = Self.kind(outcome)
            var row = rows[kind] ?? Row(kind: kind)
            row.received += 1
            switch outcome.status {
            case .completed:
                row.compliedInWholeOrInPart += 1
            case .denied:
                row.denied += 1
                row.deniedByBasis[outcome.denialReason?.rawValue ?? "other", default: 0] += 1
            case .cancelled:
                break
            default:
                row.open += 1
            }
            if outcome.status == .completed || outcome.status == .denied, let closed = outcome.closedAt {
                let start = calendar.startOfDay(for: outcome.receivedAt)
                let finish = calendar.startOfDay(for: closed)
                days[kind, default: []].append(
                    Double(calendar.dateComponents([.day], from: start, to: finish).day ?? 0)
                )
            }
            rows[kind] = row
        }
        let ordered = Kind.allCases.map { kind -> Row in
            var row = rows[kind] ?? Row(kind: kind)
            row.medianDaysToRespond = median(days[kind] ?? [])
            return row
        }
        return CCPAMetrics(year: year, jurisdiction: jurisdiction, rows: ordered)
    }

    static func kind(_ outcome: RequestOutcome) -> Kind {
        switch outcome.kind {
        case .export: return .know
        case .deletion: return .delete
        case .correction: return .correct
        case .appeal: return .appeal
        case .consentChange where outcome.deadlineKind == .optOutOfSale: return .optOut
        case .consentChange where outcome.deadlineKind == .limitSensitiveUse: return .limit
        default: return .other
        }
    }

    static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// The metrics as CSV, one row per kind, for the privacy-policy disclosure.
    public var csv: String {
        var lines = ["year,jurisdiction,kind,received,complied_in_whole_or_in_part,denied,open,median_days_to_respond"]
        for row in rows {
            let median = row.medianDaysToRespond.map { String(format: "%.1f", $0) } ?? ""
            lines.append(
                "\(year),\(jurisdiction),\(row.kind.rawValue),\(row.received),\(row.compliedInWholeOrInPart),"
                    + "\(row.denied),\(row.open),\(median)"
            )
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
