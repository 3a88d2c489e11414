/// A PromQL function's signature: argument types, how many may be left out, and the result type.
package struct Function: Sendable {
    package let name: String
    let arguments: [ValueType]
    /// Trailing arguments that may be omitted (`round`'s `to_nearest`, `hour`'s vector).
    let optional: Int
    /// The last argument may repeat (`label_join`'s source labels).
    let variadic: Bool
    package let returns: ValueType

    init(_ name: String, _ arguments: [ValueType], _ returns: ValueType, optional: Int = 0, variadic: Bool = false) {
        self.name = name
        self.arguments = arguments
        self.optional = optional
        self.variadic = variadic
        self.returns = returns
    }

    /// The functions this engine evaluates, by name (Prometheus 2.42's float functions).
    static let all: [String: Function] = {
        var list: [Function] = [
            Function("time", [], .scalar),
            Function("pi", [], .scalar),
            Function("vector", [.scalar], .vector),
            Function("scalar", [.vector], .scalar),
            Function("timestamp", [.vector], .vector),
            Function("absent", [.vector], .vector),
            Function("absent_over_time", [.matrix], .vector),
            Function("histogram_quantile", [.scalar, .vector], .vector),
            Function("label_replace", [.vector, .string, .string, .string, .string], .vector),
            Function("label_join", [.vector, .string, .string, .string], .vector, optional: 1, variadic: true),
            Function("clamp", [.vector, .scalar, .scalar], .vector),
            Function("clamp_min", [.vector, .scalar], .vector),
            Function("clamp_max", [.vector, .scalar], .vector),
            Function("round", [.vector, .scalar], .vector, optional: 1),
            Function("sort", [.vector], .vector),
            Function("sort_desc", [.vector], .vector),
            Function("predict_linear", [.matrix, .scalar], .vector),
            Function("quantile_over_time", [.scalar, .matrix], .vector),
            Function("holt_winters", [.matrix, .scalar, .scalar], .vector),
        ]
        for name in ["abs", "ceil", "floor", "exp", "ln", "log2", "log10", "sqrt", "sgn", "deg", "rad",
                     "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh"] {
            list.append(Function(name, [.vector], .vector))
        }
        for name in ["rate", "irate", "increase", "delta", "idelta", "deriv", "resets", "changes",
                     "avg_over_time", "min_over_time", "max_over_time", "sum_over_time", "count_over_time",
                     "last_over_time", "present_over_time", "stddev_over_time", "stdvar_over_time"] {
            list.append(Function(name, [.matrix], .vector))
        }
        for name in ["minute", "hour", "month", "year", "day_of_month", "day_of_week", "day_of_year", "days_in_month"] {
            list.append(Function(name, [.vector], .vector, optional: 1))
        }
        return Dictionary(uniqueKeysWithValues: list.map { ($0.name, $0) })
    }()
}
