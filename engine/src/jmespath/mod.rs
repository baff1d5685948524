//! JMESPath (being written).
