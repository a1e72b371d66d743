import Foundation

/// Leftovers of export work that a crash can strand: sealed bundle files whose record was never written,
/// and the private plain-text work folders (`lethe-export-*`, `lethe-bundle-*`) that versions before the
/// streaming bundle writer left in the temporary directory when killed mid-export. Both are removed once old enough that no export in progress can still own them.
enum ExportScratch {
    /// An export in progress finishes well within this; anything older was abandoned.
    static let minimumAge: TimeInterval = 3600

    /// Removes stray work folders and unrecorded bundle files modified before `olderThan`; returns how many.
    static func sweep(
        exportsFolder: String,
        olderThan: Date,
        temporaryFolder: String = FileManager.default.temporaryDirectory.path,
        isRecorded: (String) async -> Bool
    ) async -> Int {
        var removed = 0
        let files = FileManager.default
        for name in (try? files.contentsOfDirectory(atPath: temporaryFolder)) ?? []
        where name.hasPrefix("lethe-export-") || name.hasPrefix("lethe-bundle-") {
            let path = (temporaryFolder as NSString).appendingPathComponent(name)
            if isOlder(path, than: olderThan), (try? files.removeItem(atPath: path)) != nil { removed += 1 }
        }
        let bundles = (exportsFolder as NSString).appendingPathComponent("bundles")
        for name in (try? files.contentsOfDirectory(atPath: bundles)) ?? [] where name.hasSuffix(".lethe-bundle") {
            let path = (bundles as NSString).appendingPathComponent(name)
            let id = String(name.dropLast(".lethe-bundle".count))
            guard isOlder(path, than: olderThan), await !isRecorded(id) else { continue }
            if (try? files.removeItem(atPath: path)) != nil { removed += 1 }
        }
        return removed
    }

    private static func isOlder(_ path: String, than instant: Date) -> Bool {
        guard let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
        else { return false }
        return modified < instant
    }
}
