import Foundation

/// Reads policy files one by one, then checks what spans files (calendars named by jurisdictions,
/// categories named by the classification).
struct PolicyParser {
    private var issues: [PolicyIssue] = []
    private var jurisdictions: [String: (Jurisdiction, calendarNode: PolicyNode)] = [:]
    private var calendars: [String: HolidayCalendar] = [:]
    private var retentionRules: [RetentionRule] = []
    private var retentionFile: String?
    private var fields: [(FieldClassification, PolicyNode)] = []
    private var classificationFile: String?
    private var purposes: [ConsentPurpose] = []
    private var noticeVersion = "unversioned"
    private var purposesFile: String?
    private var drp: (DRPBusiness, PolicyNode)?
    private var controller: DataController?

    mutating func read(_ source: PolicySource) {
        do {
            let root = try PolicyNode.parse(source)
            let path = source.relativePath
            if path.hasPrefix("jurisdictions/") {
                let (jurisdiction, calendarNode) = try Self.jurisdiction(root, expectedID: Self.stem(path))
                jurisdictions[jurisdiction.id] = (jurisdiction, calendarNode)
            } else if path.hasPrefix("calendars/") {
                let calendar = try Self.calendar(root, expectedID: Self.stem(path))
                calendars[calendar.id] = calendar
            } else if path == "retention.yaml" {
                retentionRules = try Self.retention(root)
                retentionFile = source.displayPath
            } else if path == "classification.yaml" {
                fields = try Self.classification(root)
                classificationFile = source.displayPath
            } else if path == "purposes.yaml" {
                (purposes, noticeVersion) = try Self.purposes(root)
                purposesFile = source.displayPath
            } else if path == "drp.yaml" {
                drp = (try Self.dataRightsProtocol(root), root)
            } else if path == "controller.yaml" {
                controller = try Self.controller(root)
            } else {
                issues.append(
                    PolicyIssue(
                        file: source.displayPath,
                        line: 1,
                        column: 1,
                        message:
                            "not a known policy file (expected jurisdictions/*.yaml, calendars/*.yaml, retention.yaml, classification.yaml, purposes.yaml, drp.yaml or controller.yaml)"
                    )
                )
            }
        } catch let issue as PolicyIssue {
            issues.append(issue)
        } catch {
            issues.append(PolicyIssue(file: source.displayPath, line: 1, column: 1, message: "\(error)"))
        }
    }

    consuming func finish() throws(PolicyValidationError) -> PolicySet {
        for (jurisdiction, calendarNode) in jurisdictions.values where calendars[jurisdiction.calendarID] == nil {
            let known = calendars.keys.sorted().joined(separator: ", ")
            issues.append(calendarNode.issue("unknown calendar '\(jurisdiction.calendarID)' (known: \(known))"))
        }
        if jurisdictions.isEmpty {
            issues.append(PolicyIssue(file: "jurisdictions/", line: 1, column: 1, message: "no jurisdiction files"))
        }
        if let retentionFile {
            let covered = Set(retentionRules.map(\.category))
            for category in DataCategory.allCases where !covered.contains(category) {
                issues.append(
                    PolicyIssue(
                        file: retentionFile,
                        line: 1,
                        column: 1,
                        message: "no retention rule for category '\(category.rawValue)'"
                    )
                )
            }
        } else {
            issues.append(PolicyIssue(file: "retention.yaml", line: 1, column: 1, message: "the file is missing"))
        }
        if let (business, node) = drp, jurisdictions[business.ccpaJurisdiction] == nil {
            issues.append(node.issue("drp.yaml names unknown jurisdiction '\(business.ccpaJurisdiction)' for ccpa"))
        }
        if purposesFile == nil {
            issues.append(PolicyIssue(file: "purposes.yaml", line: 1, column: 1, message: "the file is missing"))
        }
        if classificationFile == nil {
            issues.append(
                PolicyIssue(file: "classification.yaml", line: 1, column: 1, message: "the file is missing")
            )
        }
        guard issues.isEmpty else {
            throw PolicyValidationError(issues: issues.sorted { ($0.file, $0.line) < ($1.file, $1.line) })
        }
        return PolicySet(
            jurisdictions: jurisdictions.mapValues(\.0),
            calendars: calendars,
            retentionRules: retentionRules,
            fields: fields.map(\.0),
            purposes: purposes,
            noticeVersion: noticeVersion,
            dataRightsProtocol: drp?.0,
            controller: controller ?? .unconfigured
        )
    }

    private static func stem(_ path: String) -> String {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        return name.hasSuffix(".yaml") ? String(name.dropLast(5)) : name
    }

    // MARK: Jurisdictions

    private static func jurisdiction(
        _ root: PolicyNode,
        expectedID: String
    ) throws -> (Jurisdiction, PolicyNode) {
        let map = try root.mapping(
            "jurisdiction",
            allowed: [
                "id", "name", "time-zone", "calendar", "supervisory-authority", "acknowledgement",
                "internal-target", "recourse-period", "deadlines", "notes", "effective-from", "opt-out-signal",
                "deemed-refusal", "revisions",
            ]
        )
        let idNode = try map.required("id")
        let id = try idNode.string("id")
        guard id == expectedID else {
            throw idNode.issue("id '\(id)' must match the file name '\(expectedID).yaml'")
        }
        let zoneNode = try map.required("time-zone")
        let zone = try zoneNode.string("time-zone")
        guard TimeZone(identifier: zone) != nil else {
            throw zoneNode.issue("unknown time zone '\(zone)' (use an IANA name such as Europe/London)")
        }
        let calendarNode = try map.required("calendar")
        let authorityMap = try map.required("supervisory-authority").mapping(
            "supervisory-authority",
            allowed: ["name", "url"]
        )
        let authority = SupervisoryAuthority(
            name: try authorityMap.required("name").string("supervisory-authority name"),
            url: try authorityMap.required("url").string("supervisory-authority url")
        )
        var rules: [DeadlineKind: DeadlineRule] = [:]
        for (keyNode, valueNode) in try map.required("deadlines").pairs("deadlines") {
            let kind = try keyNode.oneOf("deadline kind", DeadlineKind.self)
            guard rules[kind] == nil else { throw keyNode.issue("deadline kind '\(kind.rawValue)' appears twice") }
            rules[kind] = try deadlineRule(valueNode, kind: kind)
        }
        guard !rules.isEmpty else { throw map.owner.issue("a jurisdiction needs at least one deadline") }
        let revisions = try map.optional("revisions").map(revisions) ?? []
        let signalNode = map.optional("opt-out-signal")
        // The signal is an opt-out nobody can be asked to verify (11 CCR §7025(c)(2), and each state's
        // universal opt-out rule): it needs a clock that demands no identity check, in the file and in
        // every revision that replaces that clock.
        let optOutClocks = [rules[.optOutOfSale]] + revisions.compactMap { $0.rules[.optOutOfSale] }
        if let signalNode, optOutClocks.contains(where: { $0?.verification != .notRequired }) {
            throw signalNode.issue(
                "opt-out-signal needs an opt-out-of-sale deadline with verification: not-required"
            )
        }
        let jurisdiction = Jurisdiction(
            id: id,
            name: try map.required("name").string("name"),
            timeZoneIdentifier: zone,
            calendarID: try calendarNode.string("calendar"),
            authority: authority,
            acknowledgement: try map.optional("acknowledgement").map { try citedPeriod($0, what: "acknowledgement") },
            internalTarget: try map.optional("internal-target").map { try period($0, what: "internal-target") },
            rules: rules,
            recourse: try map.optional("recourse-period").map { try citedPeriod($0, what: "recourse-period") },
            sourceFile: root.file,
            effectiveFrom: try map.optional("effective-from").map { try effectiveDate($0, key: "effective-from") },
            optOutSignalFrom: try signalNode.map { try effectiveDate($0, key: "opt-out-signal") },
            deemedRefusal: try map.optional("deemed-refusal")?.string("deemed-refusal"),
            revisions: revisions
        )
        return (jurisdiction, calendarNode)
    }

    /// `{date: YYYY-MM-DD, citation: "…", convention: "…"}` under `key`: from when a law governs requests
    /// (`effective-from`), or from when it requires honouring an opt-out preference signal (`opt-out-signal`).
    private static func effectiveDate(_ node: PolicyNode, key: String) throws -> EffectiveDate {
        let map = try node.mapping(key, allowed: ["date", "citation", "convention"])
        let dateNode = try map.required("date")
        let text = try dateNode.string("\(key) date")
        guard let date = LocalDate(text) else {
            throw dateNode.issue("\(key) '\(text)' is not a date (expected YYYY-MM-DD)")
        }
        return EffectiveDate(
            date: date,
            citation: try map.required("citation").string("\(key) citation"),
            convention: try map.optional("convention")?.string("\(key) convention")
        )
    }

    /// `revisions: [{from: {date, citation}, deadlines: {...}}]`: later amendments, each from its date,
    /// in date order, each replacing or adding the clocks it lists.
    private static func revisions(_ node: PolicyNode) throws -> [PolicyRevision] {
        var revisions: [PolicyRevision] = []
        for entry in try node.sequence("revisions") {
            let map = try entry.mapping("revision", allowed: ["from", "deadlines", "notes"])
            let from = try effectiveDate(try map.required("from"), key: "from")
            if let last = revisions.last, from.date <= last.from.date {
                throw entry.issue("revisions must be in date order, each later than the one before")
            }
            var rules: [DeadlineKind: DeadlineRule] = [:]
            for (keyNode, valueNode) in try map.required("deadlines").pairs("deadlines") {
                let kind = try keyNode.oneOf("deadline kind", DeadlineKind.self)
                guard rules[kind] == nil else {
                    throw keyNode.issue("deadline kind '\(kind.rawValue)' appears twice in one revision")
                }
                rules[kind] = try deadlineRule(valueNode, kind: kind)
            }
            guard !rules.isEmpty else { throw map.owner.issue("a revision changes at least one deadline") }
            revisions.append(PolicyRevision(from: from, rules: rules))
        }
        return revisions
    }

    private static func deadlineRule(_ node: PolicyNode, kind: DeadlineKind) throws -> DeadlineRule {
        let what = "deadline '\(kind.rawValue)'"
        let map = try node.mapping(
            what,
            allowed: [
                "period", "citation", "convention", "roll", "extension", "pause", "verification",
                "acknowledgement", "internal-target", "notes",
            ]
        )
        let extensionRule = try map.optional("extension").map { node -> ExtensionRule in
            let ext = try node.mapping("extension of \(what)", allowed: ["total", "citation"])
            return ExtensionRule(
                total: try period(try ext.required("total"), what: "extension total"),
                citation: try ext.required("citation").string("extension citation")
            )
        }
        let pause = try map.optional("pause").map { node -> PauseRule in
            let pauseMap = try node.mapping("pause of \(what)", allowed: ["reasons", "citation"])
            let reasons = try pauseMap.required("reasons").sequence("pause reasons")
                .map { try $0.oneOf("pause reason", PauseReason.self) }
            guard !reasons.isEmpty else { throw pauseMap.owner.issue("pause needs at least one reason") }
            return PauseRule(
                reasons: Set(reasons),
                citation: try pauseMap.required("citation").string("pause citation")
            )
        }
        return DeadlineRule(
            kind: kind,
            response: try citedPeriod(node, map: map, what: what),
            roll: try map.optional("roll")?.oneOf("roll", RollConvention.self) ?? .none,
            extensionRule: extensionRule,
            pause: pause,
            verification: try map.optional("verification")?.oneOf("verification", VerificationRequirement.self)
                ?? .required,
            acknowledgement: try map.optional("acknowledgement").map {
                try citedPeriod($0, what: "acknowledgement of \(what)")
            },
            internalTarget: try map.optional("internal-target").map { try period($0, what: "internal-target") }
        )
    }

    private static func citedPeriod(_ node: PolicyNode, what: String) throws -> CitedPeriod {
        let map = try node.mapping(what, allowed: ["period", "citation", "convention"])
        return try citedPeriod(node, map: map, what: what)
    }

    private static func citedPeriod(_ node: PolicyNode, map: PolicyMapping, what: String) throws -> CitedPeriod {
        CitedPeriod(
            period: try period(try map.required("period"), what: "period of \(what)"),
            citation: try map.required("citation").string("citation of \(what)"),
            convention: try map.optional("convention")?.string("convention of \(what)")
        )
    }

    /// `immediate`, or a one-key mapping such as `{months: 1}`, `{days: 45}`, `{business-days: 10}`.
    static func period(_ node: PolicyNode, what: String) throws -> Period {
        if case .scalar = node.node {
            let text = try node.string(what)
            guard text == "immediate" else {
                throw node.issue(
                    "\(what) must be 'immediate' or one of {months: N}, {days: N}, {business-days: N}, {years: N}"
                )
            }
            return .immediate
        }
        let map = try node.mapping(what, allowed: ["months", "years", "days", "business-days"])
        guard map.entries.count == 1, let entry = map.entries.first else {
            throw node.issue("\(what) must have exactly one unit")
        }
        let count = try entry.value.int(what)
        guard count >= 0 else { throw entry.value.issue("\(what) must not be negative, got \(count)") }
        switch entry.key {
        case "months": return .months(count)
        case "years": return .years(count)
        case "days": return .days(count)
        default: return .businessDays(count)
        }
    }

    // MARK: Calendars

    private static func calendar(_ root: PolicyNode, expectedID: String) throws -> HolidayCalendar {
        let map = try root.mapping(
            "calendar",
            allowed: ["id", "name", "weekend", "covers", "source", "holidays", "notes"]
        )
        let idNode = try map.required("id")
        let id = try idNode.string("id")
        guard id == expectedID else {
            throw idNode.issue("id '\(id)' must match the file name '\(expectedID).yaml'")
        }
        let weekend = try map.required("weekend").sequence("weekend").map { try $0.oneOf("weekday", Weekday.self) }
        let covers = try map.required("covers").mapping("covers", allowed: ["from", "to"])
        let from = try covers.required("from").int("covers.from")
        let toNode = try covers.required("to")
        let to = try toNode.int("covers.to")
        guard from <= to else { throw toNode.issue("covers.to (\(to)) is before covers.from (\(from))") }
        var holidays: [LocalDate: String] = [:]
        for entry in try map.required("holidays").sequence("holidays") {
            let holiday = try entry.mapping("holiday", allowed: ["date", "name"])
            let dateNode = try holiday.required("date")
            let text = try dateNode.string("holiday date")
            guard let date = LocalDate(text) else {
                throw dateNode.issue("'\(text)' is not a date (expected YYYY-MM-DD)")
            }
            guard (from...to).contains(date.year) else {
                throw dateNode.issue("\(date) is outside the years the calendar covers (\(from)-\(to))")
            }
            guard holidays[date] == nil else { throw dateNode.issue("\(date) is listed twice") }
            holidays[date] = try holiday.required("name").string("holiday name")
        }
        return HolidayCalendar(
            id: id,
            name: try map.required("name").string("name"),
            weekend: Set(weekend),
            holidays: holidays,
            coveredYears: from...to,
            source: try map.required("source").string("source")
        )
    }

    // MARK: Purposes

    private static func purposes(_ root: PolicyNode) throws -> ([ConsentPurpose], String) {
        let map = try root.mapping("purposes policy", allowed: ["notice-version", "purposes", "notes"])
        var purposes: [ConsentPurpose] = []
        for node in try map.required("purposes").sequence("purposes") {
            let entry = try node.mapping(
                "purpose",
                allowed: ["id", "name", "basis", "opt-out-signal", "withdrawal-clock"]
            )
            let idNode = try entry.required("id")
            let id = try idNode.string("purpose id")
            guard !purposes.contains(where: { $0.id == id }) else {
                throw idNode.issue("purpose '\(id)' appears twice")
            }
            guard id.allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "-" }) else {
                throw idNode.issue("purpose id '\(id)' must be lower-case words joined by hyphens")
            }
            var purpose = ConsentPurpose(
                id: id,
                name: try entry.required("name").string("purpose name"),
                basis: try entry.required("basis").string("purpose basis"),
                withdrawnByOptOutSignal: try entry.optional("opt-out-signal")?.bool("opt-out-signal") ?? false
            )
            if let clockNode = entry.optional("withdrawal-clock") {
                let clock = try clockNode.oneOf("withdrawal-clock", DeadlineKind.self)
                guard RequestKind.consentChange.allowedDeadlineKinds.contains(clock) else {
                    throw clockNode.issue("withdrawal-clock '\(clock.rawValue)' is not a consent change's clock")
                }
                purpose.withdrawalClock = clock
            }
            purposes.append(purpose)
        }
        guard !purposes.isEmpty else { throw map.owner.issue("at least one purpose is needed") }
        return (purposes, try map.required("notice-version").string("notice-version"))
    }
}
