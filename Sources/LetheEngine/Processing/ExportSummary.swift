import Foundation
import LetheCore

/// The human-readable `index.html` of an export bundle: what is held, and the information GDPR
/// Art 15(1)(a)-(h) requires beside the data. Plain HTML, no scripts, readable offline.
struct ExportSummary {
    let customer: Account
    let counts: [(String, Int)]
    let policies: PolicySet
    let generatedAt: Date

    /// Why each category is processed (Art 15(1)(a)). CONVENTION: the company's record of processing
    /// states these; they belong in Policies/ once a purposes file exists.
    static let purposes: [DataCategory: String] = [
        .identity: "To keep your account and recognise you when you contact us.",
        .contact: "To send you what you ordered, confirmations, and messages you asked for.",
        .address: "To deliver orders and bill you.",
        .payment: "To take payment for orders and subscriptions.",
        .preferences: "To remember your choices (language, notifications, subscription).",
        .consent: "To prove what you agreed to, and when you changed your mind.",
        .orders: "To fulfil orders and keep the accounting records the law requires.",
        .supportHistory: "To answer your questions and handle complaints.",
        .securityLogs: "To protect your account and detect fraud.",
        .requestRecords: "To handle your privacy requests and keep the records the law requires.",
        .notifications: "To show that notices reached you.",
    ]

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    var html: String {
        let authority = policies.jurisdictions[customer.residence]?.authority
        let rows = counts.map { "<tr><td>\(Self.escape($0.0))</td><td>\($0.1)</td></tr>" }.joined(separator: "\n")
        let categories = DataCategory.allCases.compactMap { category -> String? in
            guard let purpose = Self.purposes[category] else { return nil }
            let rules = policies.retentionRules.filter { $0.category == category }
            let retention = rules.map {
                "\($0.period) after \($0.trigger.rawValue.replacingOccurrences(of: "-", with: " ")) (\($0.legalBasis))"
            }
            .joined(separator: "; ")
            return
                "<tr><td>\(Self.escape(category.rawValue))</td><td>\(Self.escape(purpose))</td><td>\(Self.escape(retention.isEmpty ? "as long as your account exists" : retention))</td></tr>"
        }.joined(separator: "\n")
        let formatter = ISO8601DateFormatter()
        return """
            <!doctype html>
            <html lang="en">
            <head><meta charset="utf-8"><title>Your data: export for \(customer.id)</title>
            <style>body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;line-height:1.5;color:#111}
            table{border-collapse:collapse;width:100%}td,th{border:1px solid #666;padding:.3rem .5rem;text-align:left;vertical-align:top}</style></head>
            <body>
            <h1>Your data</h1>
            <p>This bundle holds everything we keep about account <strong>\(customer.id)</strong>, as of \(formatter.string(from: generatedAt)).
            The full data is in <code>data.json</code> (machine-readable, described by the schema <code>export-bundle-v1</code>) and in
            one CSV file per category for spreadsheets. <code>manifest.json</code> lists each file's SHA-256 so you can check nothing was altered.
            Card numbers, passwords and security answers are shown only as “collected”.</p>
            <h2>What we hold</h2>
            <table><tr><th>Category</th><th>Records</th></tr>
            \(rows)
            </table>
            <h2>Why we process it and how long we keep it</h2>
            <table><tr><th>Category</th><th>Purpose</th><th>Retention</th></tr>
            \(categories)
            </table>
            <h2>Recipients</h2>
            <p>No recipient is recorded for your data in this system. If we pass data to processors or third parties, they are listed here.</p>
            <h2>Where the data came from</h2>
            <p>From you, when you opened and used your account, and from your orders and contacts with us.</p>
            <h2>Automated decisions</h2>
            <p>We make no decisions about you by automated means alone, and no profiling with legal or similarly significant effects.</p>
            <h2>Your rights</h2>
            <p>You may ask us to correct or erase your data, to restrict or object to its processing, and to receive it in a portable form.
            You may withdraw any consent at any time, as easily as you gave it.
            You may complain to \(Self.escape(authority?.name ?? "the supervisory authority"))\(authority.map { " (<a href=\"\(Self.escape($0.url))\">\(Self.escape($0.url))</a>)" } ?? "")
            and seek a judicial remedy.</p>
            </body>
            </html>

            """
    }
}
