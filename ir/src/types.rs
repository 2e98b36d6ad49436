use crate::dtype::DType;
use crate::error::{IrError, Result};
use serde::{Deserialize, Serialize};
use smallvec::SmallVec;
use std::fmt;

pub type Shape = SmallVec<[i64; 4]>;

/// A value's static type: dtype and shape.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TensorType {
    pub dtype: DType,
    pub shape: Shape,
}

impl TensorType {
    pub fn new(dtype: DType, shape: impl AsRef<[i64]>) -> Self {
        TensorType {
            dtype,
            shape: Shape::from_slice(shape.as_ref()),
        }
    }
    pub fn scalar(dtype: DType) -> Self {
        TensorType {
            dtype,
            shape: Shape::new(),
        }
    }
    pub fn ndim(&self) -> usize {
        self.shape.len()
    }
    pub fn numel(&self) -> i64 {
        self.shape.iter().product()
    }
    pub fn with_dtype(&self, dtype: DType) -> Self {
        TensorType {
            dtype,
            shape: self.shape.clone(),
        }
    }
}

/// NumPy's tuple spelling: `()`, `(3,)`, `(2, 3)`.
pub struct PyTuple<'a>(pub &'a [i64]);

impl fmt::Display for PyTuple<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            [] => f.write_str("()"),
            [x] => write!(f, "({x},)"),
            xs => {
                f.write_str("(")?;
                for (i, x) in xs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{x}")?;
                }
                f.write_str(")")
            }
        }
    }
}

impl fmt::Display for TensorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}[", self.dtype)?;
        for (i, d) in self.shape.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{d}")?;
        }
        f.write_str("]")
    }
}

/// NumPy broadcasting of several shapes, with NumPy's error.
pub fn broadcast_shapes(shapes: &[&[i64]]) -> Result<Shape> {
    let ndim = shapes.iter().map(|s| s.len()).max().unwrap_or(0);
    let mut out: Shape = smallvec::smallvec![1; ndim];
    for s in shapes {
        let off = ndim - s.len();
        for (i, &d) in s.iter().enumerate() {
            let o = &mut out[off + i];
            if *o == 1 {
                *o = d;
            } else if d != 1 && d != *o {
                let listed: Vec<String> = shapes.iter().map(|s| PyTuple(s).to_string()).collect();
                return Err(IrError::value(format!(
                    "operands could not be broadcast together with shapes {} ",
                    listed.join(" ")
                )));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcasting_follows_numpy() {
        assert_eq!(
            broadcast_shapes(&[&[3, 1], &[4]]).unwrap().as_slice(),
            &[3, 4]
        );
        assert_eq!(
            broadcast_shapes(&[&[], &[2, 0]]).unwrap().as_slice(),
            &[2, 0]
        );
        let e = broadcast_shapes(&[&[3], &[4]]).unwrap_err();
        assert_eq!(
            e.message,
            "operands could not be broadcast together with shapes (3,) (4,) "
        );
    }

    #[test]
    fn types_print_compactly() {
        assert_eq!(TensorType::new(DType::F64, [3, 4]).to_string(), "f64[3,4]");
        assert_eq!(TensorType::scalar(DType::Bool).to_string(), "b8[]");
    }
}
