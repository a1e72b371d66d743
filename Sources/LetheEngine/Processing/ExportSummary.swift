import Foundation
import LetheCore

/// The human-readable `index.html` of an export bundle: the customer's data itself, in tables a person
/// reads in any browser offline (no scripts), and what GDPR Art 15(1)(a)-(h) and 15(2) require beside
/// it, in words for the customer rather than rule names.
struct ExportSummary {
    let customer: Account
    let consents: [ConsentRecord]
    /// The first orders, newest last; the rest are in `orders.csv` (the page stays readable).
    let orders: [Order]
    let orderCount: Int
    let support: [(at: Date, channel: String, transcript: String)]
    let security: [(at: Date, kind: String, ipAddress: String?, userAgent: String?)]
    let requests: [RequestSummary]
    let notes: [RecordNote]
    /// The recipients registered for the categories held.
    let recipients: [Recipient]
    let policies: PolicySet
    let generatedAt: Date

    /// How many orders the page lists; a customer with more finds them all in `orders.csv`.
    static let ordersShown = 200

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

    /// Each category in the customer's words.
    static let labels: [DataCategory: String] = [
        .identity: "Your name, date of birth and account",
        .contact: "Your email address and phone number",
        .address: "Your postal addresses",
        .payment: "Your payment cards",
        .preferences: "Your preferences and subscription",
        .consent: "Your consent choices",
        .orders: "Your orders and invoices",
        .supportHistory: "Your conversations with our support team",
        .securityLogs: "Sign-ins and other security events",
        .requestRecords: "Your privacy requests",
        .notifications: "Messages we sent you",
    ]

    /// How long a rule keeps the data, as a sentence a customer understands.
    static func retention(_ rule: RetentionRule) -> String {
        let period: String
        switch rule.period {
        case .days(let n): period = n == 1 ? "1 day" : "\(n) days"
        case .immediate: period = "no time"
        default: period = rule.period.description
        }
        let end: String
        switch rule.action {
        case .erase: end = "deleted"
        case .anonymise: end = "made anonymous"
        case .keepMinimised: end = "reduced to what the law requires and then deleted"
        }
        switch rule.trigger {
        case .deletionVerified:
            return "Kept while you have an account; \(end) \(period) after you ask us to delete your account "
                + "(you can change your mind until then)."
        case .lastActivity: return "Kept while you use your account; \(end) \(period) after you last use it."
        case .created: return "Kept for \(period) from when it was made, then \(end)."
        case .expired: return "Kept until it stops being valid, then \(end) \(period) later."
        case .requestClosed: return "Kept for \(period) after your request is closed, then \(end)."
        case .accountErased:
            return "Kept for \(period) after your account is deleted, without your contact details, then \(end)."
        }
    }

    /// A table with a header row, or "None." when there is nothing to show.
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        guard !rows.isEmpty else { return "<p>None.</p>" }
        let head = header.map { "<th scope=\"col\">\(HTMLText.escape($0))</th>" }.joined()
        let body = rows.map { "<tr>" + $0.map { "<td>\(HTMLText.escape($0))</td>" }.joined() + "</tr>" }.joined(
            separator: "\n"
        )
        return "<table><thead><tr>\(head)</tr></thead><tbody>\n\(body)\n</tbody></table>"
    }

    /// A date and time as a person reads it, in UTC (the zone is named).
    /// `d MMMM yyyy, HH:mm 'UTC'` as en_GB writes it ("5 December 2026, 14:56 UTC"), by arithmetic: a
    /// `DateFormatter` per call was most of a small export's time (checked against Foundation's output in
    /// `ExportEncodingTests`). The calendar is the proleptic Gregorian one; Foundation's switches to the
    /// Julian calendar before 15 October 1582, when no record was made.
    static func when(_ date: Date) -> String {
        let (day, time) = ISO.utc(date)
        let year = String(day.year)
        let paddedYear = String(repeating: "0", count: max(0, 4 - year.count)) + year
        return
            "\(day.day) \(monthNames[day.month - 1]) \(paddedYear), \(ISO.two(time / 3600)):\(ISO.two(time % 3600 / 60)) UTC"
    }

    static let monthNames = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
        "November", "December",
    ]

    var html: String {
        let controller = policies.controller
        let authority = policies.jurisdictions[customer.residence]?.authority
        let purposeNames = Dictionary(policies.purposes.map { ($0.id, $0.name) }) { first, _ in first }
        let account = Self.table(
            ["", "What we hold"],
            [
                ["Account", customer.id.description], ["Name", customer.fullName], ["Email", customer.email],
                ["Phone", customer.phone ?? "none"], ["Date of birth", customer.dateOfBirth?.description ?? "none"],
                ["Where you live (for the law that applies)", customer.residence],
                ["Account opened", Self.when(customer.createdAt)], ["Account status", customer.status.rawValue],
                ["Password", customer.holdsPassword ? "held, in a form nobody can read back" : "none"],
                ["Security answer", customer.holdsSecurityAnswer ? "held, in a form nobody can read back" : "none"],
            ]
        )
        let addresses = Self.table(
            ["Name", "Address"],
            customer.addresses.map {
                [
                    $0.address.label,
                    [$0.address.line1, $0.address.line2, $0.address.city, $0.address.postalCode, $0.address.country]
                        .compactMap { $0 }.joined(separator: ", "),
                ]
            }
        )
        let cards = Self.table(
            ["Card", "Expires"],
            customer.paymentMethods.map { ["\($0.brand) ending \($0.last4)", $0.expiry] }
        )
        let consentRows = Self.table(
            ["When", "What for", "Your choice", "How"],
            consents.map {
                [Self.when($0.at), purposeNames[$0.purpose] ?? $0.purpose, $0.granted ? "yes" : "no", $0.source]
            }
        )
        let orderRows = Self.table(
            ["Placed", "Items", "Total", "Status", "Delivered to"],
            orders.map {
                [
                    Self.when($0.placedAt), $0.items,
                    String(format: "%.2f %@", Double($0.totalCents) / 100, $0.currency), $0.status,
                    $0.shippingAddress ?? "",
                ]
            }
        )
        let moreOrders =
            orderCount > orders.count
            ? "<p>These are your first \(orders.count) of \(orderCount) orders; all of them are in <code>orders.csv</code>.</p>"
            : ""
        let supportRows = Self.table(
            ["When", "How", "What was said"],
            support.map { [Self.when($0.at), $0.channel, $0.transcript] }
        )
        let securityRows = Self.table(
            ["When", "What", "From address", "Browser or app"],
            security.map { [Self.when($0.at), $0.kind, $0.ipAddress ?? "", $0.userAgent ?? ""] }
        )
        let requestRows = Self.table(
            ["Request", "What you asked", "Received", "Where it stands"],
            requests.map { [$0.id.rawValue, $0.kind.rawValue, Self.when($0.receivedAt), $0.status.rawValue] }
        )
        let noteRows = Self.table(
            ["When", "What changed", "Why"],
            notes.map { [Self.when($0.at), $0.changedFields.joined(separator: ", "), $0.reason] }
        )
        let categories = Self.table(
            ["Your data", "Why we use it", "How long we keep it"],
            DataCategory.allCases.compactMap { category in
                guard let purpose = Self.purposes[category], let label = Self.labels[category] else { return nil }
                let rules = policies.retentionRules.filter { $0.category == category }
                let retention =
                    rules.isEmpty ? "Kept while you have an account." : rules.map(Self.retention).joined(separator: " ")
                return [label, purpose, retention]
            }
        )
        let recipientText =
            recipients.isEmpty
            ? "<p>We do not pass your data to anyone else through this system.</p>"
            : "<p>We pass some of your data to these organisations, and tell them when you correct or delete it:</p>"
                + Self.table(
                    ["Who", "What they receive"],
                    recipients.map { recipient in
                        [
                            recipient.name,
                            DataCategory.allCases.filter { recipient.categories.contains($0) }
                                .compactMap { Self.labels[$0] }.joined(separator: "; "),
                        ]
                    }
                )
        let transfers =
            controller.internationalTransfers.map(HTMLText.escape)
            ?? "Ask us at \(HTMLText.escape(controller.email)) whether your data leaves your country, and under which safeguards."
        let complaint =
            "You may complain to \(HTMLText.escape(authority?.name ?? "the data protection authority where you live"))"
            + (authority.map { " (<a href=\"\(HTMLText.escape($0.url))\">\(HTMLText.escape($0.url))</a>)" } ?? "")
            + " and go to court."
        return """
            <!doctype html>
            <html lang="en">
            <head><meta charset="utf-8"><title>Your data, as \(HTMLText.escape(controller.name)) holds it</title>
            <style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#111}
            table{border-collapse:collapse;width:100%;margin-bottom:1rem}td,th{border:1px solid #666;padding:.3rem .5rem;text-align:left;vertical-align:top}
            th{background:#eee}</style></head>
            <body>
            <h1>Your data</h1>
            <p>This is everything \(HTMLText.escape(controller.name)) holds about you, as of \(Self.when(generatedAt)).
            You can read it here. The same data is in <code>data.json</code>, for moving it to another service, and in one
            spreadsheet file (<code>.csv</code>) per kind of data. <code>manifest.json</code> lets a technician check that no file was changed.
            We never store full card numbers, and passwords and security answers are kept in a form nobody can read back, so they are not shown.</p>
            <h2>Your account</h2>
            \(account)
            <h2>Your addresses</h2>
            \(addresses)
            <h2>Your payment cards</h2>
            \(cards)
            <h2>Your consent choices</h2>
            \(consentRows)
            <h2>Your orders</h2>
            \(orderRows)
            \(moreOrders)
            <h2>Your conversations with our support team</h2>
            \(supportRows)
            <h2>Sign-ins and other security events</h2>
            \(securityRows)
            <h2>Your privacy requests</h2>
            \(requestRows)
            <h2>Changes made to your account</h2>
            \(noteRows)
            <h2>Why we use your data and how long we keep it</h2>
            \(categories)
            <h2>Who else receives it</h2>
            \(recipientText)
            <h2>Does your data leave your country?</h2>
            <p>\(transfers)</p>
            <h2>Where the data came from</h2>
            <p>From you, when you opened and used your account, and from your orders and contacts with us.</p>
            <h2>Automated decisions</h2>
            <p>We make no decisions about you by automated means alone, and no profiling with legal or similarly significant effects.</p>
            <h2>Your rights</h2>
            <p>You may ask us to correct or delete your data, to limit or stop how we use it, and to receive it in a form you can take elsewhere.
            You may withdraw any consent at any time, as easily as you gave it. \(complaint)</p>
            <h2>Who we are</h2>
            <p>\(HTMLText.escape(controller.name)), \(HTMLText.escape(controller.postalAddress)).
            Email: <a href="mailto:\(HTMLText.escape(controller.email))">\(HTMLText.escape(controller.email))</a>\(controller.dpoEmail.map { ". Our data protection officer: <a href=\"mailto:\(HTMLText.escape($0))\">\(HTMLText.escape($0))</a>" } ?? "").
            Our privacy notice: <a href="\(HTMLText.escape(controller.privacyNoticeURL))">\(HTMLText.escape(controller.privacyNoticeURL))</a>.</p>
            </body>
            </html>

            """
    }
}
