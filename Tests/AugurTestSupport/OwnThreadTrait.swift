import AugurCore
package import Testing

/// `.ownThread`: runs each test (or each test of a suite) on the heavy-test lane, one thread outside
/// Swift's cooperative pool. The suite runs in parallel in one process, and a long synchronous test (a
/// replay of days of load, model fits on real series) holds a cooperative thread for its whole run; two
/// of them hold all of a two-core machine's, and then the servers of the HTTP tests beside them cannot
/// answer at all. The lane is serial: tests on it take turns, so together they use one core and leave
/// the other to the rest of the suite.
package struct OwnThreadTrait: TestTrait, SuiteTrait, TestScoping {
    package var isRecursive: Bool { true }

    package func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        guard testCase != nil else { return try await function() }
        try await withTaskExecutorPreference(heavyTestLane) { try await function() }
    }
}

extension Trait where Self == OwnThreadTrait {
    package static var ownThread: Self { OwnThreadTrait() }
}

/// The heavy-test lane: one thread, so the tests on it take turns.
private let heavyTestLane = WorkLane(name: "augur.heavy-tests", width: 1)
