import Foundation

// retention.yaml and classification.yaml: how long each category is kept, and what each stored field is.
extension PolicyParser {

    static func retention(_ root: PolicyNode) throws -> [RetentionRule] {
        let map = try root.mapping("retention policy", allowed: ["rules", "notes"])
        var rules: [RetentionRule] = []
        for node in try map.required("rules").sequence("rules") {
            let rule = try node.mapping(
                "retention rule",
                allowed: [
                    "id", "category", "trigger", "period", "action", "legal-basis", "citation", "convention", "notes",
                ]
            )
            let idNode = try rule.required("id")
            let id = try idNode.string("retention rule id")
            guard !rules.contains(where: { $0.id == id }) else {
                throw idNode.issue("retention rule id '\(id)' appears twice")
            }
            let periodNode = try rule.required("period")
            let retention = try period(periodNode, what: "period of retention rule '\(id)'")
            if case .businessDays = retention {
                throw periodNode.issue(
                    "retention rule '\(id)' must use days, months or years: retention runs in exact time"
                )
            }
            rules.append(
                RetentionRule(
                    id: id,
                    category: try rule.required("category").oneOf("category", DataCategory.self),
                    trigger: try rule.required("trigger").oneOf("trigger", RetentionTrigger.self),
                    period: retention,
                    action: try rule.required("action").oneOf("action", RetentionAction.self),
                    legalBasis: try rule.required("legal-basis").string("legal-basis of '\(id)'"),
                    citation: try rule.required("citation").string("citation of '\(id)'"),
                    convention: try rule.optional("convention")?.string("convention of '\(id)'")
                )
            )
        }
        return rules
    }

    static func classification(_ root: PolicyNode) throws -> [(FieldClassification, PolicyNode)] {
        let map = try root.mapping("classification", allowed: ["fields", "notes"])
        var fields: [(FieldClassification, PolicyNode)] = []
        for node in try map.required("fields").sequence("fields") {
            let entry = try node.mapping(
                "field classification",
                allowed: ["record", "field", "category", "sensitivity", "blind-index", "sensitive", "disclosure"]
            )
            let record = try entry.required("record").string("record")
            let field = try entry.required("field").string("field")
            guard !fields.contains(where: { $0.0.record == record && $0.0.field == field }) else {
                throw node.issue("\(record).\(field) is classified twice")
            }
            let sensitivity = try entry.required("sensitivity").oneOf("sensitivity", FieldSensitivity.self)
            let blindIndexNode = entry.optional("blind-index")
            let blindIndex = try blindIndexNode?.bool("blind-index") ?? false
            if blindIndex, !sensitivity.isEncryptedAtRest, let blindIndexNode {
                throw blindIndexNode.issue("\(record).\(field) is non-personal: it needs no blind index")
            }
            var classification = FieldClassification(
                record: record,
                field: field,
                category: try entry.required("category").oneOf("category", DataCategory.self),
                sensitivity: sensitivity,
                blindIndex: blindIndex
            )
            classification.sensitive = try entry.optional("sensitive")?.bool("sensitive") ?? false
            if let disclosure = entry.optional("disclosure") {
                classification.heldOnly = try disclosure.oneOf("disclosure", AccessDisclosure.self) == .heldOnly
            }
            if classification.sensitive || classification.heldOnly, !sensitivity.isEncryptedAtRest {
                throw node.issue("\(record).\(field) is non-personal: it cannot be sensitive or withheld")
            }
            if classification.heldOnly, !FieldClassification.withholdable.contains("\(record).\(field)") {
                throw node.issue(
                    "\(record).\(field) cannot be held-only: an access bundle can withhold only \(FieldClassification.withholdable.sorted().joined(separator: ", "))"
                )
            }
            fields.append((classification, node))
        }
        return fields
    }
}
