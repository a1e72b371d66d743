import Foundation

/// Every policy Lethe runs on, loaded and validated from `Policies/`: jurisdictions and their clocks,
/// holiday calendars, retention rules and field classification.
public struct PolicySet: Sendable {
    /// Every jurisdiction by id (`uk-gdpr`, `us-ca`, ...), from `jurisdictions/*.yaml`.
    public let jurisdictions: [String: Jurisdiction]
    /// Every holiday calendar by id, from `calendars/*.yaml`.
    public let calendars: [String: HolidayCalendar]
    /// How long each category of data is kept and what happens then, from `retention.yaml`.
    public let retentionRules: [RetentionRule]
    /// Every stored field's category and sensitivity, from `classification.yaml`.
    public let fields: [FieldClassification]
    /// Consent purposes, in file order.
    public let purposes: [ConsentPurpose]
    /// The privacy-notice version recorded with every consent change.
    public let noticeVersion: String
    /// The Data Rights Protocol endpoint's settings (`drp.yaml`); nil when the file is absent.
    public let dataRightsProtocol: DRPBusiness?
    /// Who is responsible for the data (`controller.yaml`); ``DataController/unconfigured`` without it.
    public let controller: DataController

    /// A policy set from already-parsed parts, mainly for tests; ``load(_:)`` is the validating path.
    public init(
        jurisdictions: [String: Jurisdiction],
        calendars: [String: HolidayCalendar],
        retentionRules: [RetentionRule],
        fields: [FieldClassification],
        purposes: [ConsentPurpose] = [],
        noticeVersion: String = "unversioned",
        dataRightsProtocol: DRPBusiness? = nil,
        controller: DataController = .unconfigured
    ) {
        self.jurisdictions = jurisdictions
        self.calendars = calendars
        self.retentionRules = retentionRules
        self.fields = fields
        self.purposes = purposes
        self.noticeVersion = noticeVersion
        self.dataRightsProtocol = dataRightsProtocol
        self.controller = controller
    }

    /// The consent purpose with `id`, if the policies define it.
    public func purpose(_ id: String) -> ConsentPurpose? { purposes.first { $0.id == id } }

    /// Parses and validates the given files as one policy set.
    ///
    /// Every file is read even after an error, so one run reports every problem; any problem fails
    /// the whole load with a ``PolicyValidationError``.
    ///
    /// - Throws: ``PolicyValidationError`` listing every issue in every file.
    public static func load(_ sources: [PolicySource]) throws(PolicyValidationError) -> PolicySet {
        var parser = PolicyParser()
        for source in sources.sorted(by: { $0.relativePath < $1.relativePath }) {
            parser.read(source)
        }
        return try parser.finish()
    }

    /// The jurisdictions sorted by id, for listings.
    public var sortedJurisdictions: [Jurisdiction] {
        jurisdictions.values.sorted { $0.id < $1.id }
    }

    /// The classification of `record.field`, if the policies know it.
    public func classification(record: String, field: String) -> FieldClassification? {
        fields.first { $0.record == record && $0.field == field }
    }
}
