import Foundation
import LetheCore

/// Server-rendered SVG charts of the work ahead and behind: no scripts, readable when printed, with a
/// text table beside each for screen readers.
enum LoadChart {
    /// One colour per request kind, the same in both charts and the legend.
    static let kindColours: [RequestKind: String] = [
        .export: "#3b6ea5", .deletion: "#7a4fa0", .consentChange: "#3f8f5a", .deactivation: "#b07c2a",
    ]
    /// The colour of the overdue bar, which should stand out.
    static let overdueColour = "#c0392b"

    /// Open requests by binding due date for the next `days` days, stacked by kind; everything already
    /// overdue is one red bar at the left.
    static func deadlines(_ counts: [DueDateCount], today: LocalDate, days: Int) -> String {
        var buckets = Array(repeating: [RequestKind: Int](), count: days)
        var overdue = 0
        for row in counts {
            let offset = today.days(until: row.due)
            if offset < 0 {
                overdue += row.count
            } else if offset < days {
                buckets[offset][row.kind, default: 0] += row.count
            }
        }
        let peak = max(1, overdue, buckets.map { $0.values.reduce(0, +) }.max() ?? 0)
        let width = 860.0
        let height = 240.0
        let left = 40.0
        let bottom = 30.0
        let barWidth = (width - left - 10) / Double(days + 1)
        let scale = (height - bottom - 10) / Double(peak)
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(Int(width)) \(Int(height))" role="img" \
            aria-labelledby="deadline-chart-title" class="chart"><title id="deadline-chart-title">Open requests by \
            due date, next \(days) days, stacked by kind; overdue in red at the left</title>
            """
        svg += axis(left: left, width: width, height: height, bottom: bottom, peak: peak)
        if overdue > 0 {
            let h = Double(overdue) * scale
            svg +=
                "<rect x=\"\(f(left))\" y=\"\(f(height - bottom - h))\" width=\"\(f(barWidth - 1))\" height=\"\(f(h))\" fill=\"\(overdueColour)\"><title>\(overdue) overdue</title></rect>"
        }
        for (index, bucket) in buckets.enumerated() {
            var y = height - bottom
            let x = left + Double(index + 1) * barWidth
            for kind in RequestKind.allCases {
                guard let count = bucket[kind], count > 0 else { continue }
                let h = Double(count) * scale
                y -= h
                svg +=
                    "<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(barWidth - 1))\" height=\"\(f(h))\" fill=\"\(kindColours[kind] ?? "#777")\"><title>\(today.adding(days: index)): \(count) \(kind.rawValue)</title></rect>"
            }
            if index % 7 == 0 {
                svg +=
                    "<text x=\"\(f(x))\" y=\"\(f(height - 12))\" class=\"tick\">\(today.adding(days: index).description.suffix(5))</text>"
            }
        }
        svg += "<text x=\"\(f(left))\" y=\"\(f(height - 1))\" class=\"tick\">overdue</text>"
        return svg + legend(x: width - 440, y: 14) + "</svg>"
    }

    /// Requests received and completed per month for the last `months` months, side by side.
    static func monthly(_ counts: [MonthCount], today: LocalDate, months: Int) -> String {
        let current = today.year * 12 + today.month - 1
        var received = Array(repeating: 0, count: months)
        var finished = Array(repeating: 0, count: months)
        for row in counts {
            let index = months - 1 - (current - (row.year * 12 + row.month - 1))
            if (0..<months).contains(index) {
                received[index] += row.received
                finished[index] += row.completed
            }
        }
        let peak = max(1, received.max() ?? 0)
        let width = 860.0
        let height = 220.0
        let left = 40.0
        let bottom = 30.0
        let slot = (width - left - 10) / Double(months)
        let scale = (height - bottom - 10) / Double(peak)
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(Int(width)) \(Int(height))" role="img" \
            aria-labelledby="monthly-chart-title" class="chart"><title id="monthly-chart-title">Requests received \
            (dark) and completed (light) per month, last \(months) months</title>
            """
        svg += axis(left: left, width: width, height: height, bottom: bottom, peak: peak)
        for index in 0..<months {
            let x = left + Double(index) * slot
            let month = current - (months - 1 - index)
            let label = String(format: "%04d-%02d", month / 12, month % 12 + 1)
            let r = Double(received[index]) * scale
            let c = Double(finished[index]) * scale
            svg +=
                "<rect x=\"\(f(x + 2))\" y=\"\(f(height - bottom - r))\" width=\"\(f(slot / 2 - 3))\" height=\"\(f(r))\" fill=\"#3b6ea5\"><title>\(label): \(received[index]) received</title></rect>"
            svg +=
                "<rect x=\"\(f(x + slot / 2))\" y=\"\(f(height - bottom - c))\" width=\"\(f(slot / 2 - 3))\" height=\"\(f(c))\" fill=\"#9cc3e6\"><title>\(label): \(finished[index]) completed</title></rect>"
            svg += "<text x=\"\(f(x + 2))\" y=\"\(f(height - 12))\" class=\"tick\">\(label)</text>"
        }
        return svg + "</svg>"
    }

    /// The baseline with its 0 and peak labels.
    static func axis(left: Double, width: Double, height: Double, bottom: Double, peak: Int) -> String {
        "<line x1=\"\(f(left))\" y1=\"\(f(height - bottom))\" x2=\"\(f(width - 10))\" y2=\"\(f(height - bottom))\" stroke=\"#555\"/>"
            + "<text x=\"4\" y=\"16\" class=\"tick\">\(peak)</text><text x=\"4\" y=\"\(f(height - bottom))\" class=\"tick\">0</text>"
    }

    /// A swatch and name for every request kind, in a row starting at (`x`, `y`).
    static func legend(x: Double, y: Double) -> String {
        var out = ""
        var offset = 0.0
        for kind in RequestKind.allCases {
            out +=
                "<rect x=\"\(f(x + offset))\" y=\"\(f(y - 9))\" width=\"10\" height=\"10\" fill=\"\(kindColours[kind] ?? "#777")\"/><text x=\"\(f(x + offset + 13))\" y=\"\(f(y))\" class=\"tick\">\(kind.rawValue)</text>"
            offset += 105
        }
        return out
    }

    /// A coordinate to one decimal place, keeping the SVG small.
    static func f(_ value: Double) -> String { String(format: "%.1f", value) }
}
