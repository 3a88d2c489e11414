/// Grouping Accuracy (Zhu et al., ICSE-SEIP 2019): a line is right when the lines sharing its group
/// are exactly those sharing its true template. For the benchmark and the accuracy tests.
package func groupingAccuracy(truth: [String], predicted: [String]) -> Double {
    var truthGroups: [String: Set<Int>] = [:], predictedGroups: [String: Set<Int>] = [:]
    for (i, (t, p)) in zip(truth, predicted).enumerated() {
        truthGroups[t, default: []].insert(i)
        predictedGroups[p, default: []].insert(i)
    }
    let correct = predictedGroups.values.reduce(0) { sum, lines in truthGroups[truth[lines.first!]] == lines ? sum + lines.count : sum }
    return Double(correct) / Double(max(truth.count, 1))
}
