//! Errors with the place they come from: file, policy, rule, field.

use std::fmt;

/// Where in the input a problem is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    /// The file.
    pub file: Option<String>,
    /// 1-based line of the document or field, when known.
    pub line: Option<usize>,
    /// The column.
    pub column: Option<usize>,
    /// The policy.
    pub policy: Option<String>,
    /// The rule.
    pub rule: Option<String>,
    /// Dotted field path inside the policy or rule (`validate.pattern`).
    pub field: Option<String>,
    /// 1-based column inside a JMESPath expression of that field (the
    /// expression, not the file: `{{ }}` strings may span lines).
    pub expression_column: Option<usize>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(file) = &self.file {
            let mut s = file.clone();
            if let Some(l) = self.line {
                s.push_str(&format!(":{l}"));
                if let Some(c) = self.column {
                    s.push_str(&format!(":{c}"));
                }
            }
            parts.push(s);
        } else if let Some(l) = self.line {
            parts.push(format!("line {l}"));
        }
        if let Some(p) = &self.policy {
            parts.push(format!("policy {p}"));
        }
        if let Some(r) = &self.rule {
            parts.push(format!("rule {r}"));
        }
        if let Some(x) = &self.field {
            parts.push(format!("field {x}"));
        }
        if let Some(c) = self.expression_column {
            parts.push(format!("expression column {c}"));
        }
        write!(f, "{}", parts.join(", "))
    }
}

/// A policy set that could not be loaded or compiled.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LoadError {
    /// Yaml.
    #[error("{location}: invalid YAML: {message}")]
    Yaml {
        /// The location.
        location: Box<Location>,
        /// The message.
        message: String,
    },
    /// Invalid.
    #[error("{location}: {message}")]
    Invalid {
        /// The location.
        location: Box<Location>,
        /// The message.
        message: String,
    },
    /// A well-formed policy that Kyverno's policy validation refuses; the
    /// message is Kyverno's. `kyverno apply` skips such a policy, counts an
    /// error and goes on with the others.
    #[error("{location}: {message}")]
    Rejected {
        /// The location.
        location: Box<Location>,
        /// The message.
        message: String,
    },
    /// Unsupported.
    #[error("{location}: unsupported: {feature}")]
    Unsupported {
        /// The location.
        location: Box<Location>,
        /// The feature.
        feature: String,
    },
}

impl LoadError {
    /// Where the error is: file, line, policy, rule, field.
    pub fn location(&self) -> &Location {
        match self {
            LoadError::Yaml { location, .. }
            | LoadError::Invalid { location, .. }
            | LoadError::Rejected { location, .. }
            | LoadError::Unsupported { location, .. } => location,
        }
    }

    fn location_mut(&mut self) -> &mut Location {
        match self {
            LoadError::Yaml { location, .. }
            | LoadError::Invalid { location, .. }
            | LoadError::Rejected { location, .. }
            | LoadError::Unsupported { location, .. } => location,
        }
    }

    /// Point the error at its field: the line and column of the field's key
    /// in `text`, the text the policy was read from. Errors without a field,
    /// or with a position already, are left as they are.
    pub fn locate_in(mut self, text: &str) -> Self {
        let loc = self.location_mut();
        if loc.column.is_some() {
            return self;
        }
        let (Some(doc_line), Some(field)) = (loc.line, loc.field.as_deref()) else {
            return self;
        };
        if let Some(p) = crate::yaml::position::locate(text, doc_line, field) {
            loc.line = Some(p.line);
            loc.column = Some(p.column);
        }
        self
    }

    /// Attach the file the policy came from.
    pub fn with_file(mut self, file: &str) -> Self {
        self.location_mut().file = Some(file.to_string());
        self
    }
}
