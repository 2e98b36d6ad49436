//! NumPy's numeric dtypes and its promotion table (NEP 50), in one place.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum DType {
    Bool,
    I8,
    I16,
    I32,
    I64,
    U8,
    U16,
    U32,
    U64,
    F16,
    F32,
    F64,
    C64,
    C128,
}

/// NumPy's dtype kinds, ordered as NEP 50 orders weak Python scalars.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Bool,
    Int,
    Float,
    Complex,
}

impl DType {
    pub const ALL: [DType; 14] = [
        DType::Bool,
        DType::I8,
        DType::I16,
        DType::I32,
        DType::I64,
        DType::U8,
        DType::U16,
        DType::U32,
        DType::U64,
        DType::F16,
        DType::F32,
        DType::F64,
        DType::C64,
        DType::C128,
    ];

    /// Short name used in dumps (`f64`, `i32`, `b8`).
    pub fn short(self) -> &'static str {
        use DType::*;
        match self {
            Bool => "b8",
            I8 => "i8",
            I16 => "i16",
            I32 => "i32",
            I64 => "i64",
            U8 => "u8",
            U16 => "u16",
            U32 => "u32",
            U64 => "u64",
            F16 => "f16",
            F32 => "f32",
            F64 => "f64",
            C64 => "c64",
            C128 => "c128",
        }
    }

    /// NumPy's name (`np.dtype(name)` accepts it).
    pub fn numpy_name(self) -> &'static str {
        use DType::*;
        match self {
            Bool => "bool",
            I8 => "int8",
            I16 => "int16",
            I32 => "int32",
            I64 => "int64",
            U8 => "uint8",
            U16 => "uint16",
            U32 => "uint32",
            U64 => "uint64",
            F16 => "float16",
            F32 => "float32",
            F64 => "float64",
            C64 => "complex64",
            C128 => "complex128",
        }
    }

    pub fn kind(self) -> Kind {
        use DType::*;
        match self {
            Bool => Kind::Bool,
            I8 | I16 | I32 | I64 | U8 | U16 | U32 | U64 => Kind::Int,
            F16 | F32 | F64 => Kind::Float,
            C64 | C128 => Kind::Complex,
        }
    }

    pub fn itemsize(self) -> usize {
        use DType::*;
        match self {
            Bool | I8 | U8 => 1,
            I16 | U16 | F16 => 2,
            I32 | U32 | F32 => 4,
            I64 | U64 | F64 | C64 => 8,
            C128 => 16,
        }
    }

    pub fn is_bool(self) -> bool {
        self == DType::Bool
    }
    pub fn is_int(self) -> bool {
        self.kind() == Kind::Int
    }
    pub fn is_unsigned(self) -> bool {
        matches!(self, DType::U8 | DType::U16 | DType::U32 | DType::U64)
    }
    pub fn is_float(self) -> bool {
        self.kind() == Kind::Float
    }
    pub fn is_complex(self) -> bool {
        self.kind() == Kind::Complex
    }
    /// bool or integer: exact arithmetic.
    pub fn is_exact(self) -> bool {
        matches!(self.kind(), Kind::Bool | Kind::Int)
    }

    /// Integer range, for the weak-Python-int overflow check.
    pub fn int_range(self) -> Option<(i128, i128)> {
        use DType::*;
        Some(match self {
            I8 => (i8::MIN as i128, i8::MAX as i128),
            I16 => (i16::MIN as i128, i16::MAX as i128),
            I32 => (i32::MIN as i128, i32::MAX as i128),
            I64 => (i64::MIN as i128, i64::MAX as i128),
            U8 => (0, u8::MAX as i128),
            U16 => (0, u16::MAX as i128),
            U32 => (0, u32::MAX as i128),
            U64 => (0, u64::MAX as i128),
            _ => return None,
        })
    }

    /// The dtype NumPy gives a Python scalar of this kind when it is not weak.
    pub fn default_for(kind: Kind) -> DType {
        match kind {
            Kind::Bool => DType::Bool,
            Kind::Int => DType::I64,
            Kind::Float => DType::F64,
            Kind::Complex => DType::C128,
        }
    }

    fn signed_of_size(size: usize) -> Option<DType> {
        use DType::*;
        match size {
            1 => Some(I8),
            2 => Some(I16),
            4 => Some(I32),
            8 => Some(I64),
            _ => None,
        }
    }

    /// The smallest float that holds every value of this integer (or bool) dtype.
    fn min_float(self) -> DType {
        match self.itemsize() {
            1 => DType::F16,
            2 => DType::F32,
            _ => DType::F64,
        }
    }

    /// The complex dtype whose parts are this float.
    pub fn complex_of(self) -> DType {
        if self == DType::F64 {
            DType::C128
        } else {
            DType::C64
        }
    }

    /// The float dtype of a complex dtype's parts.
    pub fn real_of(self) -> DType {
        match self {
            DType::C64 => DType::F32,
            DType::C128 => DType::F64,
            other => other,
        }
    }

    /// The float dtype NumPy computes a transcendental ufunc of this dtype in
    /// (`np.sin(int8)` is float16, `np.sin(int32)` is float64).
    pub fn to_inexact(self) -> DType {
        match self.kind() {
            Kind::Bool | Kind::Int => self.min_float(),
            _ => self,
        }
    }
}

/// `np.promote_types(a, b)`.
pub fn promote_types(a: DType, b: DType) -> DType {
    use Kind::*;
    if a == b {
        return a;
    }
    let (lo, hi) = if (a.kind(), a.itemsize()) <= (b.kind(), b.itemsize()) {
        (a, b)
    } else {
        (b, a)
    };
    match (lo.kind(), hi.kind()) {
        (Bool, _) => hi,
        (Int, Int) => {
            if lo.is_unsigned() == hi.is_unsigned() {
                if lo.itemsize() >= hi.itemsize() {
                    lo
                } else {
                    hi
                }
            } else {
                let (s, u) = if lo.is_unsigned() { (hi, lo) } else { (lo, hi) };
                if u.itemsize() < s.itemsize() {
                    s
                } else {
                    DType::signed_of_size(u.itemsize() * 2).unwrap_or(DType::F64)
                }
            }
        }
        (Int, Float) => {
            let need = lo.min_float();
            if need.itemsize() > hi.itemsize() {
                need
            } else {
                hi
            }
        }
        (Int, Complex) => {
            if lo.min_float().itemsize() > hi.real_of().itemsize() {
                lo.min_float().complex_of()
            } else {
                hi
            }
        }
        (Float, Float) => hi,
        (Float, Complex) => {
            if lo.itemsize() > hi.real_of().itemsize() {
                lo.complex_of()
            } else {
                hi
            }
        }
        (Complex, Complex) => hi,
        _ => unreachable!("lo is ordered before hi"),
    }
}

/// An operand of a promotion: a strong dtype, or a weak Python scalar of a kind (NEP 50).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operand {
    Strong(DType),
    Weak(Kind),
}

/// `np.result_type` over strong dtypes and weak Python scalars.
pub fn result_type(operands: &[Operand]) -> DType {
    let strong = operands
        .iter()
        .filter_map(|o| match o {
            Operand::Strong(d) => Some(*d),
            Operand::Weak(_) => None,
        })
        .reduce(promote_types);
    let weak = operands
        .iter()
        .filter_map(|o| match o {
            Operand::Weak(k) => Some(*k),
            Operand::Strong(_) => None,
        })
        .max();
    match (strong, weak) {
        (Some(s), None) => s,
        (None, Some(k)) => DType::default_for(k),
        (None, None) => DType::F64,
        (Some(s), Some(k)) => {
            if k <= s.kind() {
                s
            } else {
                match (k, s.kind()) {
                    (Kind::Int, _) => DType::I64,
                    (Kind::Float, _) => DType::F64,
                    (Kind::Complex, Kind::Float) => s.complex_of(),
                    (Kind::Complex, _) => DType::C128,
                    (Kind::Bool, _) => s,
                }
            }
        }
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.short())
    }
}

impl FromStr for DType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        DType::ALL
            .iter()
            .copied()
            .find(|d| d.short() == s || d.numpy_name() == s)
            .or(match s {
                "bool_" | "?" => Some(DType::Bool),
                _ => None,
            })
            .ok_or_else(|| format!("unknown dtype '{s}'"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use DType::*;

    #[test]
    fn promote_matches_numpy_samples() {
        // Values from np.promote_types.
        let cases = [
            (Bool, I8, I8),
            (I8, U8, I16),
            (I64, U64, F64),
            (U32, I32, I64),
            (U8, I32, I32),
            (I32, F32, F64),
            (I16, F16, F32),
            (I8, F16, F16),
            (U64, F32, F64),
            (F16, C64, C64),
            (F64, C64, C128),
            (I64, C64, C128),
            (I8, C64, C64),
            (F32, F64, F64),
        ];
        for (a, b, want) in cases {
            assert_eq!(promote_types(a, b), want, "{a} {b}");
            assert_eq!(promote_types(b, a), want, "{b} {a}");
        }
    }

    #[test]
    fn weak_scalars_follow_nep50() {
        use Operand::*;
        assert_eq!(result_type(&[Strong(I8), Weak(Kind::Int)]), I8);
        assert_eq!(result_type(&[Strong(Bool), Weak(Kind::Int)]), I64);
        assert_eq!(result_type(&[Strong(I32), Weak(Kind::Float)]), F64);
        assert_eq!(result_type(&[Strong(F32), Weak(Kind::Float)]), F32);
        assert_eq!(result_type(&[Strong(F16), Weak(Kind::Int)]), F16);
        assert_eq!(result_type(&[Strong(F32), Weak(Kind::Complex)]), C64);
        assert_eq!(result_type(&[Strong(I16), Weak(Kind::Complex)]), C128);
        assert_eq!(result_type(&[Weak(Kind::Int), Weak(Kind::Float)]), F64);
    }

    #[test]
    fn dtype_names_round_trip() {
        for d in DType::ALL {
            assert_eq!(d.short().parse::<DType>().unwrap(), d);
            assert_eq!(d.numpy_name().parse::<DType>().unwrap(), d);
        }
    }
}
