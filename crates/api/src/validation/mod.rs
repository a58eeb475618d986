//! Validation as the real API server does it, so that what a scenario or a client writes is
//! rejected where a cluster would reject it: `422 Invalid` with one cause per broken rule.
//!
//! The rules are upstream's (`pkg/apis/core/validation` and `pkg/apis/resource/validation`),
//! restricted to what users of these kinds meet: object names and metadata, required fields,
//! immutable fields (a pod's spec apart from the fields that may change, a slice's node and
//! driver, a claim's spec, and its allocation once set), and the enum values of effects and
//! operators. The field paths and messages are upstream's, so that `kubectl` prints what it
//! prints against a cluster. Rules work on the JSON form, where v1beta1 and v1 differ only in
//! where a field lives.
//!
//! [`ApiServerConfig::validation`](crate::ApiServerConfig::validation) switches them off, for
//! ports of upstream unit tests that ran on client-go's fake clientset, which stores anything.

mod meta;
mod names;
mod node;
mod pod;
mod resource;

use serde_json::Value;
use taintsim_seam::client::{ApiError, StatusCause, StatusReason};

use crate::kind::Kind;
use crate::object::Object;

/// What is wrong with one field, as in apimachinery's `field.ErrorType`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Problem {
    /// `Required value`, with an optional detail.
    Required(String),
    /// `Invalid value: <value>: <detail>`.
    Invalid(String, String),
    /// `Unsupported value: <value>: supported values: ...`.
    NotSupported(String, &'static [&'static str]),
    /// `Forbidden: <detail>`.
    Forbidden(String),
    /// `Duplicate value: <value>`.
    Duplicate(String),
}

/// One broken rule: the field's path and the problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldError {
    pub(crate) field: String,
    pub(crate) problem: Problem,
}

fn quoted(value: &str) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| format!("\"{value}\""))
}

impl FieldError {
    /// `metav1.CauseType`.
    fn cause_type(&self) -> &'static str {
        match self.problem {
            Problem::Required(_) => "FieldValueRequired",
            Problem::Invalid(..) => "FieldValueInvalid",
            Problem::NotSupported(..) => "FieldValueNotSupported",
            Problem::Forbidden(_) => "FieldValueForbidden",
            Problem::Duplicate(_) => "FieldValueDuplicate",
        }
    }

    /// The message without the field, as `field.Error.ErrorBody` words it.
    fn body(&self) -> String {
        match &self.problem {
            Problem::Required(d) if d.is_empty() => "Required value".to_owned(),
            Problem::Required(d) => format!("Required value: {d}"),
            Problem::Invalid(v, d) => format!("Invalid value: {v}: {d}"),
            Problem::NotSupported(v, supported) => {
                let list: Vec<String> = supported.iter().map(|s| quoted(s)).collect();
                format!(
                    "Unsupported value: {}: supported values: {}",
                    quoted(v),
                    list.join(", ")
                )
            }
            Problem::Forbidden(d) => format!("Forbidden: {d}"),
            Problem::Duplicate(v) => format!("Duplicate value: {}", quoted(v)),
        }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.body())
    }
}

/// Collects the broken rules of one object.
#[derive(Debug, Default)]
pub(crate) struct Errors(pub(crate) Vec<FieldError>);

impl Errors {
    fn push(&mut self, field: impl Into<String>, problem: Problem) {
        self.0.push(FieldError {
            field: field.into(),
            problem,
        });
    }

    pub(crate) fn required(&mut self, field: impl Into<String>, detail: &str) {
        self.push(field, Problem::Required(detail.to_owned()));
    }

    pub(crate) fn invalid(&mut self, field: impl Into<String>, value: &str, detail: &str) {
        self.push(field, Problem::Invalid(quoted(value), detail.to_owned()));
    }

    pub(crate) fn invalid_number(&mut self, field: impl Into<String>, value: i64, detail: &str) {
        self.push(
            field,
            Problem::Invalid(value.to_string(), detail.to_owned()),
        );
    }

    pub(crate) fn not_supported(
        &mut self,
        field: impl Into<String>,
        value: &str,
        supported: &'static [&'static str],
    ) {
        self.push(field, Problem::NotSupported(value.to_owned(), supported));
    }

    pub(crate) fn forbidden(&mut self, field: impl Into<String>, detail: &str) {
        self.push(field, Problem::Forbidden(detail.to_owned()));
    }

    pub(crate) fn duplicate(&mut self, field: impl Into<String>, value: &str) {
        self.push(field, Problem::Duplicate(value.to_owned()));
    }

    /// `Invalid value: "object": field is immutable` unless `old == new`.
    pub(crate) fn immutable(&mut self, field: &str, new: &Value, old: &Value) {
        if new != old {
            let shown = match new {
                Value::String(s) => quoted(s),
                Value::Null => "null".to_owned(),
                Value::Bool(_) | Value::Number(_) => new.to_string(),
                Value::Array(_) | Value::Object(_) => "\"object\"".to_owned(),
            };
            self.push(
                field,
                Problem::Invalid(shown, "field is immutable".to_owned()),
            );
        }
    }

    /// Checks a name with `check` (one of [`names`]'s), as `Invalid value`.
    pub(crate) fn name(&mut self, field: &str, value: &str, check: fn(&str) -> Vec<String>) {
        for why in check(value) {
            self.invalid(field, value, &why);
        }
    }

    /// The string at `key` of `value`, if it is one.
    pub(crate) fn str_at<'v>(value: &'v Value, key: &str) -> Option<&'v str> {
        value.get(key).and_then(Value::as_str)
    }
}

/// The list at `key` of `value`, or nothing.
pub(crate) fn list<'v>(value: &'v Value, key: &str) -> &'v [Value] {
    value
        .get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// The group-qualified kind of upstream's messages: `Pod`, `ResourceSlice.resource.k8s.io`.
pub fn qualified_kind(kind: Kind) -> String {
    match kind {
        Kind::Pod | Kind::Event => kind.name().to_owned(),
        _ => format!("{}.resource.k8s.io", kind.name()),
    }
}

/// `422 Invalid`, worded like `errors.NewInvalid`, with one cause per error.
fn invalid(object: &Object, errors: Errors) -> Result<(), ApiError> {
    if errors.0.is_empty() {
        return Ok(());
    }
    let texts: Vec<String> = errors.0.iter().map(ToString::to_string).collect();
    let aggregate = match texts.as_slice() {
        [one] => one.clone(),
        many => format!("[{}]", many.join(", ")),
    };
    let mut error = ApiError::new(
        StatusReason::Invalid,
        format!(
            "{} {} is invalid: {aggregate}",
            qualified_kind(object.kind()),
            quoted(object.name())
        ),
    );
    error.causes = errors
        .0
        .iter()
        .map(|e| StatusCause {
            reason: e.cause_type().to_owned(),
            message: e.body(),
            field: e.field.clone(),
        })
        .collect();
    Err(error)
}

/// The rules of one kind, on the object's JSON.
fn check_object(kind: Kind, value: &Value, errors: &mut Errors) {
    match kind {
        Kind::Pod => pod::check(value, errors),
        Kind::ResourceClaim => resource::check_claim(value, errors),
        Kind::ResourceSlice => resource::check_slice(value, errors),
        Kind::DeviceTaintRule => resource::check_rule(value, errors),
        Kind::Event => meta::check_event(value, errors),
        Kind::Node => node::check(value, errors),
    }
}

/// The rules a new object must follow (`ValidatePodCreate` and friends).
pub fn validate_create(object: &Object) -> Result<(), ApiError> {
    let value = object.to_value();
    let mut errors = Errors::default();
    meta::check(object.kind(), &value, &mut errors);
    check_object(object.kind(), &value, &mut errors);
    invalid(object, errors)
}

/// The rules an update of the main resource must follow: those of a new object, plus what
/// may not change (`ValidatePodUpdate` and friends). `new` already carries the stored status
/// for kinds with a status subresource.
pub fn validate_update(new: &Object, old: &Object) -> Result<(), ApiError> {
    let (value, old_value) = (new.to_value(), old.to_value());
    let mut errors = Errors::default();
    meta::check(new.kind(), &value, &mut errors);
    check_object(new.kind(), &value, &mut errors);
    match new.kind() {
        Kind::Pod => pod::check_update(&value, &old_value, &mut errors),
        Kind::ResourceClaim => resource::check_claim_update(&value, &old_value, &mut errors),
        Kind::ResourceSlice => resource::check_slice_update(&value, &old_value, &mut errors),
        Kind::DeviceTaintRule | Kind::Event | Kind::Node => {}
    }
    invalid(new, errors)
}

/// The rules a status update must follow (`ValidateResourceClaimStatusUpdate` and friends).
/// `new` is the stored object with the new status.
pub fn validate_status_update(new: &Object, old: &Object) -> Result<(), ApiError> {
    let (value, old_value) = (new.to_value(), old.to_value());
    let mut errors = Errors::default();
    if new.kind() == Kind::ResourceClaim {
        resource::check_claim_status(&value, Some(&old_value), &mut errors);
    }
    invalid(new, errors)
}

#[cfg(test)]
mod tests;
