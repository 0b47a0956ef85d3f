//! Trigger metadata parsing and the scaler maths capsim needs (threshold, activation,
//! Kafka lag, RabbitMQ queue length). No broker is contacted: the caller supplies offsets
//! and queue counts from the simulated system.

use std::collections::BTreeMap;

use super::spec::{MetricType, Trigger, parse_go_bool};

/// A problem in one metadata key; `validate` prefixes the trigger path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetaIssue {
    /// Metadata key, e.g. `threshold`; empty when about the trigger as a whole.
    pub key: String,
    pub message: String,
}

impl std::fmt::Display for MetaIssue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.key.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "metadata.{}: {}", self.key, self.message)
        }
    }
}

impl MetaIssue {
    fn new(key: &str, message: impl Into<String>) -> Self {
        Self { key: key.to_string(), message: message.into() }
    }
}

/// Parsed trigger metadata, one variant per scaler capsim understands.
#[derive(Debug, Clone, PartialEq)]
pub enum ScalerConfig {
    Prometheus(PrometheusMeta),
    Resource(ResourceMeta),
    RabbitMq(RabbitMqMeta),
    Kafka(KafkaMeta),
    /// Any other scaler: only `threshold`-like keys are read, the value comes from the trace.
    Generic(GenericMeta),
}

impl ScalerConfig {
    /// The HPA target value (per pod for AverageValue).
    pub fn target_value(&self) -> f64 {
        match self {
            ScalerConfig::Prometheus(p) => p.threshold,
            ScalerConfig::Resource(r) => r.value,
            ScalerConfig::RabbitMq(r) => r.value,
            ScalerConfig::Kafka(k) => k.lag_threshold as f64,
            ScalerConfig::Generic(g) => g.threshold,
        }
    }

    /// Value above which the trigger is active (strictly greater, upstream convention).
    pub fn activation_threshold(&self) -> f64 {
        match self {
            ScalerConfig::Prometheus(p) => p.activation_threshold,
            ScalerConfig::Resource(_) => 0.0,
            ScalerConfig::RabbitMq(r) => r.activation_value,
            ScalerConfig::Kafka(k) => k.activation_lag_threshold as f64,
            ScalerConfig::Generic(g) => g.activation_threshold,
        }
    }

    /// Upstream scalers report `value > activationThreshold`.
    pub fn is_active(&self, value: f64) -> bool {
        value > self.activation_threshold()
    }

    /// Metric name part after `s{index}-` (upstream `GetMetricSpecForScaling`).
    pub fn metric_name(&self, trigger_kind: &str) -> String {
        match self {
            ScalerConfig::Prometheus(_) => "prometheus".to_string(),
            ScalerConfig::Resource(r) => r.resource.clone(),
            ScalerConfig::RabbitMq(r) => normalize_metric_name(&format!("rabbitmq-{}", r.queue_name)),
            ScalerConfig::Kafka(k) => match &k.topic {
                Some(t) => normalize_metric_name(&format!("kafka-{t}")),
                None => normalize_metric_name(&format!("kafka-{}-topics", k.consumer_group)),
            },
            ScalerConfig::Generic(_) => normalize_metric_name(trigger_kind),
        }
    }
}

/// Upstream `NormalizeString`: characters not allowed in metric names become `-`.
pub fn normalize_metric_name(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '/' | '.' | ':' | '%' | ' ' | '_' => '-',
            c => c,
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq)]
pub struct PrometheusMeta {
    pub server_address: String,
    pub query: String,
    pub threshold: f64,
    pub activation_threshold: f64,
    pub ignore_null_values: bool,
}

/// cpu / memory trigger: becomes a Resource metric on the HPA.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceMeta {
    /// `cpu` or `memory`.
    pub resource: String,
    pub metric_type: MetricType,
    /// Percent for Utilization; cores (cpu) or bytes (memory) for AverageValue.
    pub value: f64,
    pub container_name: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RabbitMode {
    QueueLength,
    MessageRate,
    DeliverGetRate,
    PublishedToDeliveredRatio,
    ExpectedQueueConsumptionTime,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RabbitMqMeta {
    pub queue_name: String,
    pub mode: RabbitMode,
    pub value: f64,
    pub activation_value: f64,
    pub exclude_unacknowledged: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OffsetResetPolicy {
    Latest,
    Earliest,
}

#[derive(Debug, Clone, PartialEq)]
pub struct KafkaMeta {
    pub bootstrap_servers: Vec<String>,
    pub consumer_group: String,
    /// None: all topics the consumer group subscribes to.
    pub topic: Option<String>,
    pub partition_limitation: Option<Vec<i32>>,
    pub lag_threshold: i64,
    pub activation_lag_threshold: i64,
    pub offset_reset_policy: OffsetResetPolicy,
    pub allow_idle_consumers: bool,
    pub exclude_persistent_lag: bool,
    pub scale_to_zero_on_invalid_offset: bool,
    pub limit_to_partitions_with_lag: bool,
    pub ensure_even_distribution_of_partitions: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GenericMeta {
    pub threshold: f64,
    pub activation_threshold: f64,
}

/// Result of parsing one trigger: the config plus warnings for keys capsim ignores.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedTrigger {
    pub config: ScalerConfig,
    pub warnings: Vec<MetaIssue>,
}

/// Parse a trigger's metadata like the upstream scaler constructor does.
pub fn parse_trigger(trigger: &Trigger) -> Result<ParsedTrigger, MetaIssue> {
    let md = &trigger.metadata;
    let mut warnings = Vec::new();
    let (config, known): (ScalerConfig, &[&str]) = match trigger.kind.as_str() {
        "prometheus" => (parse_prometheus(md)?, PROMETHEUS_KEYS),
        "cpu" | "memory" => (parse_resource(trigger)?, RESOURCE_KEYS),
        "rabbitmq" => (parse_rabbitmq(md, &mut warnings)?, RABBIT_KEYS),
        "kafka" => (parse_kafka(md)?, KAFKA_KEYS),
        _ => (parse_generic(md)?, GENERIC_KEYS),
    };
    for key in md.keys() {
        if !known.contains(&key.as_str()) {
            warnings
                .push(MetaIssue::new(key, format!("not modelled by capsim for {} triggers; ignored", trigger.kind)));
        }
    }
    Ok(ParsedTrigger { config, warnings })
}

const PROMETHEUS_KEYS: &[&str] = &["serverAddress", "query", "threshold", "activationThreshold", "ignoreNullValues"];
const RESOURCE_KEYS: &[&str] = &["type", "value", "containerName"];
const RABBIT_KEYS: &[&str] = &["queueName", "mode", "value", "activationValue", "queueLength", "excludeUnacknowledged"];
const KAFKA_KEYS: &[&str] = &[
    "bootstrapServers",
    "bootstrapServersFromEnv",
    "consumerGroup",
    "consumerGroupFromEnv",
    "topic",
    "topicFromEnv",
    "partitionLimitation",
    "lagThreshold",
    "activationLagThreshold",
    "offsetResetPolicy",
    "allowIdleConsumers",
    "excludePersistentLag",
    "scaleToZeroOnInvalidOffset",
    "limitToPartitionsWithLag",
    "ensureEvenDistributionOfPartitions",
    "version",
];
const GENERIC_KEYS: &[&str] =
    &["threshold", "activationThreshold", "targetValue", "activationTargetValue", "value", "activationValue"];

fn get<'a>(md: &'a BTreeMap<String, String>, key: &str) -> Option<&'a str> {
    md.get(key).map(String::as_str)
}

fn parse_f64(md: &BTreeMap<String, String>, key: &str) -> Result<Option<f64>, MetaIssue> {
    match get(md, key) {
        None => Ok(None),
        Some(v) => v
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .map(Some)
            .ok_or_else(|| MetaIssue::new(key, format!("not a number: {v:?}"))),
    }
}

fn parse_i64(md: &BTreeMap<String, String>, key: &str) -> Result<Option<i64>, MetaIssue> {
    match get(md, key) {
        None => Ok(None),
        Some(v) => v.trim().parse::<i64>().map(Some).map_err(|_| MetaIssue::new(key, format!("not an integer: {v:?}"))),
    }
}

fn parse_bool(md: &BTreeMap<String, String>, key: &str) -> Result<Option<bool>, MetaIssue> {
    match get(md, key) {
        None => Ok(None),
        Some(v) => parse_go_bool(v).map(Some).ok_or_else(|| MetaIssue::new(key, format!("not a boolean: {v:?}"))),
    }
}

fn parse_prometheus(md: &BTreeMap<String, String>) -> Result<ScalerConfig, MetaIssue> {
    let server_address = get(md, "serverAddress")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| MetaIssue::new("serverAddress", "required"))?
        .to_string();
    let query =
        get(md, "query").filter(|s| !s.is_empty()).ok_or_else(|| MetaIssue::new("query", "required"))?.to_string();
    let threshold = parse_f64(md, "threshold")?.ok_or_else(|| MetaIssue::new("threshold", "required"))?;
    Ok(ScalerConfig::Prometheus(PrometheusMeta {
        server_address,
        query,
        threshold,
        activation_threshold: parse_f64(md, "activationThreshold")?.unwrap_or(0.0),
        ignore_null_values: parse_bool(md, "ignoreNullValues")?.unwrap_or(true),
    }))
}

/// Parse a Kubernetes quantity (`500m`, `2`, `512Mi`, `1G`) to a plain number.
pub fn parse_quantity(s: &str) -> Option<f64> {
    let s = s.trim();
    const SUFFIXES: &[(&str, f64)] = &[
        ("Ki", 1024.0),
        ("Mi", 1_048_576.0),
        ("Gi", 1_073_741_824.0),
        ("Ti", 1_099_511_627_776.0),
        ("m", 1e-3),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
    ];
    for (suffix, mult) in SUFFIXES {
        if let Some(num) = s.strip_suffix(suffix) {
            return num.parse::<f64>().ok().map(|n| n * mult);
        }
    }
    s.parse::<f64>().ok().filter(|x| x.is_finite())
}

fn parse_resource(trigger: &Trigger) -> Result<ScalerConfig, MetaIssue> {
    let md = &trigger.metadata;
    // The metadata `type` key is the deprecated spelling of trigger.metricType.
    let metric_type = match (get(md, "type"), trigger.metric_type) {
        (Some(_), Some(_)) => {
            return Err(MetaIssue::new("type", "both metadata.type and metricType are set; use metricType"));
        }
        (Some("Utilization"), None) => MetricType::Utilization,
        (Some("AverageValue"), None) => MetricType::AverageValue,
        (Some(other), None) => {
            return Err(MetaIssue::new("type", format!("must be Utilization or AverageValue, got {other:?}")));
        }
        (None, Some(t)) => t,
        (None, None) => {
            return Err(MetaIssue::new("", "metricType (Utilization or AverageValue) is required"));
        }
    };
    if metric_type == MetricType::Value {
        return Err(MetaIssue::new(
            "",
            "metricType Value is not supported for cpu/memory; use Utilization or AverageValue",
        ));
    }
    let raw = get(md, "value").ok_or_else(|| MetaIssue::new("value", "required"))?;
    let value = match metric_type {
        MetricType::Utilization => raw
            .trim()
            .parse::<i32>()
            .map(f64::from)
            .map_err(|_| MetaIssue::new("value", format!("not an integer percent: {raw:?}")))?,
        _ => parse_quantity(raw).ok_or_else(|| MetaIssue::new("value", format!("not a quantity: {raw:?}")))?,
    };
    Ok(ScalerConfig::Resource(ResourceMeta {
        resource: trigger.kind.clone(),
        metric_type,
        value,
        container_name: get(md, "containerName").map(str::to_string),
    }))
}

fn parse_rabbitmq(md: &BTreeMap<String, String>, warnings: &mut Vec<MetaIssue>) -> Result<ScalerConfig, MetaIssue> {
    let queue_name = get(md, "queueName")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| MetaIssue::new("queueName", "required"))?
        .to_string();
    let legacy = parse_f64(md, "queueLength")?;
    if legacy.is_some() {
        warnings.push(MetaIssue::new("queueLength", "deprecated upstream; read as mode QueueLength with this value"));
    }
    let mode = match get(md, "mode") {
        None => RabbitMode::QueueLength,
        Some("QueueLength") => RabbitMode::QueueLength,
        Some("MessageRate") => RabbitMode::MessageRate,
        Some("DeliverGetRate") => RabbitMode::DeliverGetRate,
        Some("PublishedToDeliveredRatio") => RabbitMode::PublishedToDeliveredRatio,
        Some("ExpectedQueueConsumptionTime") => RabbitMode::ExpectedQueueConsumptionTime,
        Some(other) => {
            return Err(MetaIssue::new("mode", format!("unknown mode {other:?} (QueueLength, MessageRate, ...)")));
        }
    };
    let value = match (parse_f64(md, "value")?, get(md, "mode"), legacy) {
        (Some(v), _, None) => v,
        (Some(_), _, Some(_)) => {
            return Err(MetaIssue::new("queueLength", "queueLength and value cannot both be set"));
        }
        (None, Some(_), _) => return Err(MetaIssue::new("value", "required when mode is set")),
        (None, None, Some(q)) => q,
        (None, None, None) => 20.0,
    };
    if value <= 0.0 {
        return Err(MetaIssue::new("value", "must be greater than 0"));
    }
    Ok(ScalerConfig::RabbitMq(RabbitMqMeta {
        queue_name,
        mode,
        value,
        activation_value: parse_f64(md, "activationValue")?.unwrap_or(0.0),
        exclude_unacknowledged: parse_bool(md, "excludeUnacknowledged")?.unwrap_or(false),
    }))
}

/// Sarama `ParseKafkaVersion` accepts `x.y.z` or `0.x.y.z`.
fn valid_kafka_version(v: &str) -> bool {
    let parts: Vec<&str> = v.split('.').collect();
    let numeric = parts.iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
    numeric && (parts.len() == 3 || (parts.len() == 4 && parts[0] == "0"))
}

/// Upstream `ParseInt32List`: comma list of integers and `a-b` ranges.
pub fn parse_int_list(s: &str) -> Option<Vec<i32>> {
    let mut out = Vec::new();
    for part in s.split(',') {
        let part = part.trim();
        if let Some((a, b)) = part.split_once('-') {
            let (a, b) = (a.trim().parse::<i32>().ok()?, b.trim().parse::<i32>().ok()?);
            if a > b {
                return None;
            }
            out.extend(a..=b);
        } else {
            out.push(part.parse::<i32>().ok()?);
        }
    }
    Some(out)
}

fn parse_kafka(md: &BTreeMap<String, String>) -> Result<ScalerConfig, MetaIssue> {
    let nonempty = |k: &str| get(md, k).filter(|s| !s.is_empty());
    let bootstrap_servers = if nonempty("bootstrapServersFromEnv").is_some() {
        Vec::new()
    } else {
        nonempty("bootstrapServers")
            .ok_or_else(|| MetaIssue::new("bootstrapServers", "no bootstrapServers given"))?
            .split(',')
            .map(str::to_string)
            .collect()
    };
    let consumer_group = match (nonempty("consumerGroupFromEnv"), nonempty("consumerGroup")) {
        (Some(env), _) => format!("${env}"),
        (None, Some(g)) => g.to_string(),
        (None, None) => {
            return Err(MetaIssue::new("consumerGroup", "no consumer group given"));
        }
    };
    let topic = nonempty("topicFromEnv").map(|e| format!("${e}")).or_else(|| nonempty("topic").map(str::to_string));
    let partition_limitation = match get(md, "partitionLimitation").map(str::trim) {
        Some(p) if !p.is_empty() && topic.is_some() => Some(
            parse_int_list(p).ok_or_else(|| MetaIssue::new("partitionLimitation", format!("error parsing {p:?}")))?,
        ),
        _ => None,
    };
    let offset_reset_policy = match get(md, "offsetResetPolicy").filter(|s| !s.is_empty()) {
        None | Some("latest") => OffsetResetPolicy::Latest,
        Some("earliest") => OffsetResetPolicy::Earliest,
        Some(other) => {
            return Err(MetaIssue::new("offsetResetPolicy", format!("err offsetResetPolicy policy {other:?} given")));
        }
    };
    let lag_threshold = parse_i64(md, "lagThreshold")?.unwrap_or(10);
    if lag_threshold <= 0 {
        return Err(MetaIssue::new("lagThreshold", "must be positive number"));
    }
    let activation_lag_threshold = parse_i64(md, "activationLagThreshold")?.unwrap_or(0);
    if activation_lag_threshold < 0 {
        return Err(MetaIssue::new("activationLagThreshold", "must be positive number"));
    }
    let allow_idle_consumers = parse_bool(md, "allowIdleConsumers")?.unwrap_or(false);
    let exclude_persistent_lag = parse_bool(md, "excludePersistentLag")?.unwrap_or(false);
    let scale_to_zero_on_invalid_offset = parse_bool(md, "scaleToZeroOnInvalidOffset")?.unwrap_or(false);
    let limit_to_partitions_with_lag = parse_bool(md, "limitToPartitionsWithLag")?.unwrap_or(false);
    if limit_to_partitions_with_lag && allow_idle_consumers {
        return Err(MetaIssue::new(
            "limitToPartitionsWithLag",
            "allowIdleConsumers and limitToPartitionsWithLag cannot be set simultaneously",
        ));
    }
    if limit_to_partitions_with_lag && topic.is_none() {
        return Err(MetaIssue::new(
            "limitToPartitionsWithLag",
            "topic must be specified when using limitToPartitionsWithLag",
        ));
    }
    let ensure_even = parse_bool(md, "ensureEvenDistributionOfPartitions")?.unwrap_or(false);
    if ensure_even && limit_to_partitions_with_lag {
        return Err(MetaIssue::new(
            "ensureEvenDistributionOfPartitions",
            "limitToPartitionsWithLag and ensureEvenDistributionOfPartitions cannot be set simultaneously",
        ));
    }
    if ensure_even && topic.is_none() {
        return Err(MetaIssue::new(
            "ensureEvenDistributionOfPartitions",
            "topic must be specified when using ensureEvenDistributionOfPartitions",
        ));
    }
    if let Some(v) = get(md, "version")
        && !valid_kafka_version(v.trim())
    {
        return Err(MetaIssue::new("version", format!("invalid Kafka version {v:?}")));
    }
    Ok(ScalerConfig::Kafka(KafkaMeta {
        bootstrap_servers,
        consumer_group,
        topic,
        partition_limitation,
        lag_threshold,
        activation_lag_threshold,
        offset_reset_policy,
        allow_idle_consumers,
        exclude_persistent_lag,
        scale_to_zero_on_invalid_offset,
        limit_to_partitions_with_lag,
        ensure_even_distribution_of_partitions: ensure_even,
    }))
}

fn parse_generic(md: &BTreeMap<String, String>) -> Result<ScalerConfig, MetaIssue> {
    // Scalers name their target differently; take the first one present.
    let mut threshold = None;
    for key in ["threshold", "targetValue", "value"] {
        if let Some(v) = parse_f64(md, key)? {
            threshold = Some(v);
            break;
        }
    }
    let mut activation = None;
    for key in ["activationThreshold", "activationTargetValue", "activationValue"] {
        if let Some(v) = parse_f64(md, key)? {
            activation = Some(v);
            break;
        }
    }
    Ok(ScalerConfig::Generic(GenericMeta {
        threshold: threshold
            .ok_or_else(|| MetaIssue::new("threshold", "required (threshold, targetValue or value)"))?,
        activation_threshold: activation.unwrap_or(0.0),
    }))
}

// ---------------------------------------------------------------- Kafka lag

/// Offsets of one partition as the simulator sees them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartitionOffsets {
    pub topic_index: u32,
    pub partition: i32,
    /// Log end offset; `None` when the broker did not report it (counted as 0 lag upstream).
    pub latest: Option<i64>,
    /// Committed consumer offset; `None` means "no offset committed yet" (Kafka's -1).
    pub committed: Option<i64>,
}

/// The previous committed offsets, needed by `excludePersistentLag` across polls.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KafkaLagState {
    previous: BTreeMap<(u32, i32), i64>,
}

/// Lag of one partition: (lag used for scaling, lag used for activation).
pub fn partition_lag(meta: &KafkaMeta, p: &PartitionOffsets, state: &mut KafkaLagState) -> (i64, i64) {
    let Some(consumer) = p.committed else {
        // No committed offset: latest policy returns 1 (or 0) so the workload can start.
        return match (meta.offset_reset_policy, meta.scale_to_zero_on_invalid_offset) {
            (_, true) => (0, 0),
            (OffsetResetPolicy::Latest, false) => (1, 1),
            (OffsetResetPolicy::Earliest, false) => {
                let l = p.latest.unwrap_or(0);
                (l, l)
            }
        };
    };
    let Some(latest) = p.latest else {
        return (0, 0);
    };
    let lag = latest - consumer;
    if meta.exclude_persistent_lag {
        let key = (p.topic_index, p.partition);
        match state.previous.get(&key) {
            Some(&prev) if prev == consumer => return (0, lag),
            _ => {
                state.previous.insert(key, consumer);
            }
        }
    }
    (lag, lag)
}

/// What the Kafka scaler reports for one poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KafkaLag {
    /// Metric value given to the HPA (after the partition cap).
    pub total_lag: i64,
    /// Uncapped lag including persistent lag; decides activity.
    pub total_lag_with_persistent: i64,
    pub partitions: i64,
    pub partitions_with_lag: i64,
}

/// Upstream `getTotalLag` over the given partitions (already filtered by `partitionLimitation`).
pub fn total_lag(meta: &KafkaMeta, partitions: &[PartitionOffsets], state: &mut KafkaLagState) -> KafkaLag {
    let mut lags = Vec::with_capacity(partitions.len());
    let mut with_persistent = Vec::with_capacity(partitions.len());
    for p in partitions {
        if let Some(limit) = &meta.partition_limitation
            && !limit.contains(&p.partition)
        {
            continue;
        }
        let (l, lp) = partition_lag(meta, p, state);
        lags.push(l);
        with_persistent.push(lp);
    }
    cap_lag(
        &lags,
        &with_persistent,
        meta.lag_threshold,
        meta.allow_idle_consumers,
        meta.limit_to_partitions_with_lag,
        meta.ensure_even_distribution_of_partitions,
    )
}

/// The partition cap shared by the Kafka-family scalers: unless idle consumers are allowed,
/// the metric never asks for more consumers than partitions (or partitions with lag).
pub fn cap_lag(
    lags: &[i64],
    lags_with_persistent: &[i64],
    lag_threshold: i64,
    allow_idle_consumers: bool,
    limit_to_partitions_with_lag: bool,
    ensure_even_distribution: bool,
) -> KafkaLag {
    let mut total: i64 = lags.iter().sum();
    let total_with_persistent: i64 = lags_with_persistent.iter().sum();
    let partitions = lags.len() as i64;
    let partitions_with_lag = lags.iter().filter(|&&l| l > 0).count() as i64;
    if (!allow_idle_consumers || limit_to_partitions_with_lag || ensure_even_distribution) && lag_threshold > 0 {
        let mut upper = partitions;
        if ensure_even_distribution {
            total = next_balancing_factor(total, partitions, lag_threshold) * lag_threshold;
        }
        if limit_to_partitions_with_lag {
            upper = partitions_with_lag;
        }
        if total / lag_threshold > upper {
            total = upper * lag_threshold;
        }
    }
    KafkaLag { total_lag: total, total_lag_with_persistent: total_with_persistent, partitions, partitions_with_lag }
}

/// Smallest factor f of `partitions` with f * threshold >= lag (else `partitions`).
fn next_balancing_factor(lag: i64, partitions: i64, threshold: i64) -> i64 {
    (1..=partitions).filter(|f| partitions % f == 0).find(|f| f * threshold >= lag).unwrap_or(partitions)
}

// ---------------------------------------------------------------- RabbitMQ

/// Queue counters as the simulator tracks them.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RabbitQueueStats {
    pub messages_ready: u64,
    pub messages_unacknowledged: u64,
    /// Messages/s published.
    pub publish_rate: f64,
    /// Messages/s delivered or fetched.
    pub deliver_get_rate: f64,
}

/// The value the RabbitMQ scaler reports for its mode.
/// PublishedToDeliveredRatio and ExpectedQueueConsumptionTime are not modelled and return None.
pub fn rabbitmq_metric(meta: &RabbitMqMeta, q: &RabbitQueueStats) -> Option<f64> {
    match meta.mode {
        RabbitMode::QueueLength => {
            let n = if meta.exclude_unacknowledged {
                q.messages_ready
            } else {
                q.messages_ready + q.messages_unacknowledged
            };
            Some(n as f64)
        }
        RabbitMode::MessageRate => Some(q.publish_rate),
        RabbitMode::DeliverGetRate => Some(q.deliver_get_rate),
        RabbitMode::PublishedToDeliveredRatio | RabbitMode::ExpectedQueueConsumptionTime => None,
    }
}
