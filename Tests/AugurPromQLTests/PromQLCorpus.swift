/// The differential test's expressions: selectors and modifiers, the rate family, `*_over_time`,
/// aggregations, histograms, arithmetic, comparisons, set operators, functions, subqueries and errors.
enum PromQLCorpus {
    static let expressions: [String] = selectors + rates + overTime + aggregations + histograms + arithmetic + comparisons + sets + functions + subqueries + staleness + errors

    static let selectors = [
        "memory_bytes", #"memory_bytes{instance="a"}"#, #"memory_bytes{instance!="a"}"#, #"memory_bytes{instance=~"a|c"}"#,
        #"memory_bytes{instance!~"a|c"}"#, #"{__name__=~"memory_bytes|cpu_usage", instance="b"}"#, #"{job="node"}"#,
        #"cpu_usage{mode="user"}"#, "http_requests_total", "up", "temperature_celsius", "memory_bytes offset 10m",
        "memory_bytes offset -5m", "memory_bytes @ 1700003600", "memory_bytes @ start()", "memory_bytes @ end()",
        "memory_bytes offset 5m @ 1700003600", "nonexistent_metric", #"memory_bytes{instance=~".*"}"#, #"memory_bytes{instance=~"[ab]"}"#,
        #"memory_bytes{instance=~"A", instance!="b"}"#, "memory_bytes[5m]", "http_requests_total[1m] offset 1m", "(memory_bytes)",
        "up offset 1h", "queue_length", "build_info",
    ]

    static let rates = [
        "rate(http_requests_total[5m])", "rate(http_requests_total[1m])", "rate(http_requests_total[30s])",
        "rate(http_requests_total[10m] offset 5m)", "irate(http_requests_total[5m])", "increase(http_requests_total[10m])",
        "increase(http_requests_total[1h])", "delta(memory_bytes[10m])", "idelta(memory_bytes[5m])", "deriv(memory_bytes[10m])",
        "resets(http_requests_total[30m])", "changes(up[30m])", "changes(memory_bytes[5m])", "predict_linear(memory_bytes[30m], 3600)",
        "predict_linear(memory_bytes[10m], 600)", "rate(request_duration_seconds_count[5m])",
        #"rate(http_requests_total{code="500"}[5m]) @ 1700003000"#, "rate(http_requests_total[5m] @ 1700003000)",
        "irate(queue_length[5m])", "rate(queue_length[2m])", "deriv(queue_length[10m])", #"increase(http_requests_total{service="api"}[15m])"#,
        "delta(temperature_celsius[20m])", "rate(http_requests_total[5m]) > 0", "changes(temperature_celsius[30m])",
        "irate(http_requests_total[1m] offset 30m)", "rate(memory_bytes[5m])",
    ]

    static let overTime = [
        "avg_over_time(memory_bytes[10m])", "min_over_time(cpu_usage[10m])", "max_over_time(cpu_usage[10m])", "sum_over_time(up[10m])",
        "count_over_time(memory_bytes[10m])", "last_over_time(memory_bytes[10m])", "present_over_time(memory_bytes[10m])",
        "stddev_over_time(cpu_usage[30m])", "stdvar_over_time(cpu_usage[30m])", "quantile_over_time(0.9, cpu_usage[30m])",
        "quantile_over_time(0.5, memory_bytes[1h])", #"absent_over_time(memory_bytes{instance="d"}[5m])"#,
        #"absent_over_time(nonexistent_metric{job="x"}[5m])"#, "count_over_time(queue_length[10m])", "max_over_time(temperature_celsius[10m])",
        "avg_over_time(temperature_celsius[10m])", "last_over_time(memory_bytes[1h] offset 30m)", "stddev_over_time(temperature_celsius[30m])",
        "holt_winters(memory_bytes[10m], 0.5, 0.5)", "min_over_time(temperature_celsius[1h])",
    ]

    static let aggregations = [
        "sum(memory_bytes)", "sum by (job) (memory_bytes)", "sum without (instance) (cpu_usage)", "avg by (mode) (cpu_usage)",
        "min(cpu_usage)", "max by (instance) (cpu_usage)", "count(up)", "count by (job) (up == 1)", "stddev(cpu_usage)",
        "stdvar by (mode) (cpu_usage)", "quantile(0.9, cpu_usage)", "quantile by (mode) (0.25, cpu_usage)", "topk(3, cpu_usage)",
        "bottomk(2, memory_bytes)", "topk by (mode) (1, cpu_usage)", #"count_values("value", up)"#, #"count_values by (job) ("state", up)"#,
        "group by (service) (http_requests_total)", "group(cpu_usage)", "sum(rate(http_requests_total[5m]))",
        "sum by (service) (rate(http_requests_total[5m]))", "sum by (code) (increase(http_requests_total[10m]))",
        "avg(memory_bytes) by (job)", "sum(cpu_usage) without (mode)", "max(temperature_celsius)", #"sum by (__name__) ({job="node"})"#,
        "count without () (cpu_usage)", "sum by () (cpu_usage)", "quantile(0, cpu_usage)", "quantile(1, cpu_usage)", "quantile(1.5, cpu_usage)",
        "topk(100, memory_bytes)", "avg(temperature_celsius)", "topk(2, sum by (service) (rate(http_requests_total[5m])))",
        "count(count by (instance) (cpu_usage))", "sum(http_requests_total) by (service) > 1000", "bottomk by (job) (1, memory_bytes)",
        #"count_values("version", build_info)"#, "min without (mode) (cpu_usage)",
    ]

    static let histograms = [
        "histogram_quantile(0.99, sum by (le) (rate(request_duration_seconds_bucket[5m])))",
        "histogram_quantile(0.5, sum by (service, le) (rate(request_duration_seconds_bucket[5m])))",
        "histogram_quantile(0.9, rate(request_duration_seconds_bucket[10m]))",
        "histogram_quantile(0.95, request_duration_seconds_bucket)",
        "histogram_quantile(0, sum by (le) (rate(request_duration_seconds_bucket[5m])))",
        "histogram_quantile(1, sum by (le) (rate(request_duration_seconds_bucket[5m])))",
        "rate(request_duration_seconds_sum[5m]) / rate(request_duration_seconds_count[5m])",
        "sum by (service) (rate(request_duration_seconds_sum[5m])) / sum by (service) (rate(request_duration_seconds_count[5m]))",
        #"histogram_quantile(0.99, sum by (le) (rate(request_duration_seconds_bucket{le!="0.1"}[5m])))"#,
        #"histogram_quantile(0.75, sum by (le) (rate(request_duration_seconds_bucket{le!="+Inf"}[5m])))"#,
        "histogram_quantile(1.5, sum by (le) (rate(request_duration_seconds_bucket[5m])))",
    ]

    static let arithmetic = [
        "1 + 1", "2 * 3 - 4 / 2", "2 ^ 3 ^ 2", "-2 ^ 2", "10 % 3", "1 / 0", "-1 / 0", "0 / 0", "5 > bool 3", "1 == bool 2",
        "memory_bytes / 1024 / 1024", "memory_bytes * 2 + 1", "2 * memory_bytes", "-memory_bytes", "memory_bytes - memory_bytes offset 10m",
        #"cpu_usage{mode="user"} + on(instance, job) cpu_usage{mode="system"}"#, #"cpu_usage{mode="user"} / ignoring(mode) cpu_usage{mode="system"}"#,
        "cpu_usage / ignoring(mode) group_left memory_bytes", "memory_bytes * on(instance) group_right cpu_usage",
        "cpu_usage * on(instance) group_left(job) memory_bytes", "cpu_usage + cpu_usage", "memory_bytes atan2 memory_limit_bytes",
        "memory_bytes % 1000", "memory_bytes ^ 0.5", #"rate(http_requests_total{code="500"}[5m]) / ignoring(code) rate(http_requests_total{code="200"}[5m])"#,
        #"sum by (service) (rate(http_requests_total{code="500"}[5m])) / sum by (service) (rate(http_requests_total[5m]))"#,
        "up * 100", "memory_bytes / memory_limit_bytes", "1 + vector(2)", "time() - timestamp(memory_bytes)",
        "sum(rate(http_requests_total[5m])) by (service) * 60", "-(1)", "+memory_bytes", "3 - -2",
    ]

    static let comparisons = [
        "cpu_usage > 0.5", "cpu_usage > bool 0.5", "0.5 < cpu_usage", "0.5 < bool cpu_usage",
        #"cpu_usage{mode="user"} > on(instance) cpu_usage{mode="system"}"#, #"cpu_usage{mode="user"} > bool ignoring(mode) cpu_usage{mode="system"}"#,
        "up == 0", "up != 1", "memory_bytes >= 1e9", "memory_bytes <= 1.05e9", "temperature_celsius < 0", "memory_bytes > memory_limit_bytes",
        "memory_bytes < bool memory_limit_bytes",
    ]

    static let sets = [
        "cpu_usage and cpu_usage > 0.5", "memory_bytes or cpu_usage", #"memory_bytes{instance="a"} or memory_bytes{instance="b"}"#,
        #"cpu_usage unless on(instance) memory_bytes{instance="a"}"#, "cpu_usage and on(instance) up == 1", "up == 1 or vector(0)",
        "memory_bytes unless memory_bytes > 1.05e9", "(cpu_usage > 0.7) or (cpu_usage < 0.2)", "memory_bytes and ignoring(job) memory_limit_bytes",
    ]

    static let functions = [
        "abs(temperature_celsius)", "ceil(cpu_usage * 10)", "floor(cpu_usage * 10)", "round(cpu_usage, 0.1)", "round(memory_bytes / 1e6)",
        "sqrt(memory_bytes)", "exp(cpu_usage)", "ln(memory_bytes)", "log2(memory_bytes)", "log10(memory_bytes)", "sgn(temperature_celsius)",
        "clamp(cpu_usage, 0.2, 0.8)", "clamp_min(cpu_usage, 0.5)", "clamp_max(cpu_usage, 0.5)", "clamp(cpu_usage, 0.8, 0.2)",
        "vector(1)", "vector(time())", "time()", "scalar(sum(up))", "scalar(up)", "timestamp(memory_bytes)", "timestamp(rate(http_requests_total[5m]))",
        #"absent(nonexistent_metric{job="x", env=~"p.*"})"#, "absent(memory_bytes)", #"absent(memory_bytes{instance="zz"})"#,
        #"label_replace(memory_bytes, "host", "$1", "instance", "(.*)")"#, #"label_replace(memory_bytes, "instance", "", "instance", "a")"#,
        #"label_replace(memory_bytes, "x", "${1}-$2", "instance", "([a-z])(.*)")"#, #"label_join(cpu_usage, "id", "/", "instance", "mode")"#,
        #"label_replace(up, "job", "node", "job", "api")"#, "sort(memory_bytes)", "sort_desc(cpu_usage)", "hour()", "minute()",
        "day_of_week()", "month(vector(1700000000))", "days_in_month()", "year()", "day_of_month()", "timestamp(memory_bytes @ 1700003600)",
        #"abs({__name__=~"memory_bytes|memory_limit_bytes"})"#, "sqrt(-1 * memory_bytes)", "pi()", #"label_replace(memory_bytes, "a", "$name", "instance", "(?P<name>.)")"#,
        "absent(sum(nonexistent_metric))", "scalar(vector(5)) * memory_bytes", "deg(vector(pi()))",
    ]

    static let subqueries = [
        "max_over_time(rate(http_requests_total[5m])[30m:1m])", "avg_over_time(memory_bytes[10m:1m])", "rate(http_requests_total[5m:30s])",
        "max_over_time(sum(rate(http_requests_total[1m]))[15m:])", "min_over_time((memory_bytes - memory_bytes offset 5m)[20m:2m] offset 5m)",
        "sum_over_time(up[10m:1m] @ 1700003000)", "quantile_over_time(0.5, cpu_usage[10m:45s])", "deriv(avg(memory_bytes)[30m:1m])",
        "rate(http_requests_total[5m])[10m:1m]", "count_over_time(memory_bytes[7m:1m])",
    ]

    static let staleness = [
        "session_count", "rate(session_count[5m])", "count_over_time(session_count[5m])", "last_over_time(session_count[15m])",
        "sum(session_count)", #"absent(session_count{pod="p1"})"#, "timestamp(session_count)", "session_count offset 3m",
        "max_over_time(session_count[2m:30s])",
    ]

    static let errors = [
        "sum(memory_bytes", "rate(memory_bytes)", "foo(memory_bytes)", "1 > 2", #""hello""#, #"{instance="a"}"#, #"{__name__=""}"#,
        "memory_bytes + on(instance) group_left cpu_usage", "cpu_usage / on(instance) memory_bytes", "memory_bytes[5m] + 1", "sum(memory_bytes) by",
        "memory_bytes offset", "rate(http_requests_total[5m]) offset 1m", "topk(memory_bytes, 2)", "1 and 2", "memory_bytes @ foo()",
        #"memory_bytes{instance=~"("}"#, "memory_bytes[0s]",
    ]
}
