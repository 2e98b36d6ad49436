//! Complex arithmetic with NumPy's formulas, over the real and imaginary parts.
//! libtorch's kernels differ where parts are inf or nan: its `add` computes
//! `a + 1 * b` as a complex product (`0 + (nan+0j)` is `nan+nanj`), and its
//! products, quotients and powers use other formulas than NumPy's loops.

use crate::plan::PlanError;
use tch::Tensor;

type Parts = (Tensor, Tensor);

fn parts(z: &Tensor) -> Result<Parts, PlanError> {
    Ok((z.f_real()?, z.f_imag()?))
}

fn pack((re, im): Parts) -> Result<Tensor, PlanError> {
    Ok(Tensor::f_complex(&re, &im)?)
}

pub fn add(a: &Tensor, b: &Tensor) -> Result<Tensor, PlanError> {
    let ((ar, ai), (br, bi)) = (parts(a)?, parts(b)?);
    pack((ar.f_add(&br)?, ai.f_add(&bi)?))
}

pub fn sub(a: &Tensor, b: &Tensor) -> Result<Tensor, PlanError> {
    let ((ar, ai), (br, bi)) = (parts(a)?, parts(b)?);
    pack((ar.f_sub(&br)?, ai.f_sub(&bi)?))
}

/// `(ar*br - ai*bi) + (ar*bi + ai*br)j`, unfused: NumPy's scalar `cmul` (its
/// complex power multiplies with it).
fn cmul((ar, ai): &Parts, (br, bi): &Parts) -> Result<Parts, PlanError> {
    let re = ar.f_mul(br)?.f_sub(&ai.f_mul(bi)?)?;
    let im = ar.f_mul(bi)?.f_add(&ai.f_mul(br)?)?;
    Ok((re, im))
}

/// `fma(ar, br, -(ai*bi)) + fma(ar, bi, ai*br)j`: NumPy's SIMD `multiply` loop
/// fuses one product of each part (a cancelling real part keeps the rounding
/// error of `ai*bi`; an overflowing `ar*br` does not become nan against inf).
fn cmul_fused((ar, ai): &Parts, (br, bi): &Parts) -> Result<Parts, PlanError> {
    let re = fma(ar, br, &ai.f_mul(bi)?.f_neg()?)?;
    let im = fma(ar, bi, &ai.f_mul(br)?)?;
    Ok((re, im))
}

/// `a * c + x` rounded once (libtorch has no fma). float32 parts: the product
/// is exact in float64. float64 parts: Dekker's exact product `p + e`, where
/// finite; an overflowing product of finite factors stays infinite unless `x`
/// is infinite (as the fused operation, which never overflows inside).
fn fma(a: &Tensor, c: &Tensor, x: &Tensor) -> Result<Tensor, PlanError> {
    if a.kind() == tch::Kind::Float {
        let d = |t: &Tensor| t.f_to_kind(tch::Kind::Double);
        return Ok(d(a)?
            .f_mul(&d(c)?)?
            .f_add(&d(x)?)?
            .f_to_kind(tch::Kind::Float)?);
    }
    let p = a.f_mul(c)?;
    let split = |v: &Tensor| -> Result<Parts, PlanError> {
        let t = v.f_mul_scalar(134_217_729.0)?;
        let hi = t.f_sub(&t.f_sub(v)?)?;
        let lo = v.f_sub(&hi)?;
        Ok((hi, lo))
    };
    let ((ah, al), (ch, cl)) = (split(a)?, split(c)?);
    let e = ah
        .f_mul(&ch)?
        .f_sub(&p)?
        .f_add(&ah.f_mul(&cl)?)?
        .f_add(&al.f_mul(&ch)?)?
        .f_add(&al.f_mul(&cl)?)?;
    // A zero error term is not added: -0.0 + 0.0 would lose the sum's sign.
    let sum = p.f_add(x)?;
    let fused = sum.f_where_self(&e.f_eq(0)?, &sum.f_add(&e)?)?;
    let overflow = p
        .f_isinf()?
        .f_logical_and(&a.f_isfinite()?)?
        .f_logical_and(&c.f_isfinite()?)?;
    // An overflowing product is kept unless `x` is inf or nan (the fused result's).
    let plain = x
        .f_where_self(&x.f_isfinite()?.f_logical_not()?, &p)?
        .f_where_self(&overflow, &p.f_add(x)?)?;
    let exact = e.f_isfinite()?.f_logical_and(&p.f_isfinite()?)?;
    Ok(fused.f_where_self(&exact, &plain)?)
}

pub fn mul(a: &Tensor, b: &Tensor) -> Result<Tensor, PlanError> {
    pack(cmul_fused(&parts(a)?, &parts(b)?)?)
}

/// Complex matmul over real matmuls of the parts: Σar·br − Σai·bi and
/// Σar·bi + Σai·br (libtorch's complex gemm scales by alpha = 1+0j, turning
/// `nan+infj` terms into `nan+nanj`; with inf/nan terms the sums can still
/// differ from NumPy's BLAS in which part is nan).
pub fn matmul(a: &Tensor, b: &Tensor) -> Result<Tensor, PlanError> {
    let ((ar, ai), (br, bi)) = (parts(a)?, parts(b)?);
    let re = ar.f_matmul(&br)?.f_sub(&ai.f_matmul(&bi)?)?;
    let im = ar.f_matmul(&bi)?.f_add(&ai.f_matmul(&br)?)?;
    pack((re, im))
}

/// Smith's algorithm, as NumPy's `divide` loop: scale by the larger part of the
/// divisor; a zero divisor divides each part by |0| (inf or nan).
fn cdiv((ar, ai): &Parts, (br, bi): &Parts) -> Result<Parts, PlanError> {
    let (abs_r, abs_i) = (br.f_abs()?, bi.f_abs()?);
    let real_big = abs_r.f_ge_tensor(&abs_i)?;
    let zero = abs_r.f_eq(0)?.f_logical_and(&abs_i.f_eq(0)?)?;
    // |br| >= |bi|: rat = bi/br, scl = 1/(br + bi*rat)
    let rat1 = bi.f_div(br)?;
    let scl1 = br.f_add(&bi.f_mul(&rat1)?)?.f_reciprocal()?;
    let re1 = ar.f_add(&ai.f_mul(&rat1)?)?.f_mul(&scl1)?;
    let im1 = ai.f_sub(&ar.f_mul(&rat1)?)?.f_mul(&scl1)?;
    // |br| < |bi|: rat = br/bi, scl = 1/(bi + br*rat)
    let rat2 = br.f_div(bi)?;
    let scl2 = bi.f_add(&br.f_mul(&rat2)?)?.f_reciprocal()?;
    let re2 = ar.f_mul(&rat2)?.f_add(ai)?.f_mul(&scl2)?;
    let im2 = ai.f_mul(&rat2)?.f_sub(ar)?.f_mul(&scl2)?;
    let (re0, im0) = (ar.f_div(&abs_r)?, ai.f_div(&abs_r)?);
    let re = re0.f_where_self(&zero, &re1.f_where_self(&real_big, &re2)?)?;
    let im = im0.f_where_self(&zero, &im1.f_where_self(&real_big, &im2)?)?;
    Ok((re, im))
}

pub fn div(a: &Tensor, b: &Tensor) -> Result<Tensor, PlanError> {
    pack(cdiv(&parts(a)?, &parts(b)?)?)
}

fn select(mask: &Tensor, (xr, xi): &Parts, (yr, yi): &Parts) -> Result<Parts, PlanError> {
    Ok((xr.f_where_self(mask, yr)?, xi.f_where_self(mask, yi)?))
}

/// NumPy's complex `power` (`nc_pow`): z**0 is 1; 0**w is 0 where Re w > 0,
/// else nan; integer exponents below 100 in magnitude multiply (z, z*z and
/// z*z*z exactly so, others by squaring from 1, negative ones inverted);
/// other exponents go through libtorch's exp(w log z).
pub fn pow(z: &Tensor, w: &Tensor) -> Result<Tensor, PlanError> {
    let general = z.f_pow(w)?;
    let shape = general.size();
    let zb = z.f_broadcast_to(shape.as_slice())?;
    let wb = w.f_broadcast_to(shape.as_slice())?;
    let (a, (br, bi)) = (parts(&zb)?, parts(&wb)?);
    let mut out = parts(&general)?;
    let integral = bi
        .f_eq(0)?
        .f_logical_and(&br.f_eq_tensor(&br.f_trunc()?)?)?
        .f_logical_and(&br.f_abs()?.f_lt(100)?)?;
    let any_integral = integral.f_any()?.f_int64_value(&[])? != 0;
    if any_integral {
        let n = br
            .f_where_self(&integral, &br.f_zeros_like()?)?
            .f_to_kind(tch::Kind::Int64)?;
        let m = n.f_abs()?;
        let one = (a.0.f_ones_like()?, a.0.f_zeros_like()?);
        let mut acc = one.clone_parts()?;
        let mut p = a.clone_parts()?;
        for bit in 0..7 {
            let set = m
                .f_bitwise_right_shift_tensor_scalar(bit)?
                .f_bitwise_and(1)?
                .f_ne(0)?;
            acc = select(&set, &cmul(&acc, &p)?, &acc)?;
            p = cmul(&p, &p)?;
        }
        let square = cmul(&a, &a)?;
        let cube = cmul(&square, &a)?;
        for (k, v) in [(1i64, &a), (2, &square), (3, &cube)] {
            acc = select(&n.f_eq(k)?, v, &acc)?;
        }
        let inverted = cdiv(&one, &acc)?;
        acc = select(&n.f_lt(0)?, &inverted, &acc)?;
        out = select(&integral, &acc, &out)?;
    }
    // 0 ** w, then w == 0 (which wins).
    let z_zero = a.0.f_eq(0)?.f_logical_and(&a.1.f_eq(0)?)?;
    let zeros = out.0.f_zeros_like()?;
    let nans = zeros.f_add_scalar(f64::NAN)?;
    let at_zero = zeros.f_where_self(&br.f_gt(0)?, &nans)?;
    out = select(&z_zero, &(at_zero.shallow_clone(), at_zero), &out)?;
    let w_zero = br.f_eq(0)?.f_logical_and(&bi.f_eq(0)?)?;
    out = select(
        &w_zero,
        &(zeros.f_add_scalar(1.0)?, zeros.shallow_clone()),
        &out,
    )?;
    pack(out)
}

trait CloneParts {
    fn clone_parts(&self) -> Result<Parts, PlanError>;
}

impl CloneParts for Parts {
    fn clone_parts(&self) -> Result<Parts, PlanError> {
        Ok((self.0.shallow_clone(), self.1.shallow_clone()))
    }
}

/// NumPy's complex reciprocal: Smith's scaling by the larger part.
pub fn reciprocal(z: &Tensor) -> Result<Tensor, PlanError> {
    let (re, im) = parts(z)?;
    let small_imag = im.f_abs()?.f_le_tensor(&re.f_abs()?)?;
    let r1 = im.f_div(&re)?;
    let d1 = re.f_add(&im.f_mul(&r1)?)?;
    let (re1, im1) = (d1.f_reciprocal()?, r1.f_neg()?.f_div(&d1)?);
    let r2 = re.f_div(&im)?;
    let d2 = re.f_mul(&r2)?.f_add(&im)?;
    let (re2, im2) = (r2.f_div(&d2)?, d2.f_reciprocal()?.f_neg()?);
    pack(select(&small_imag, &(re1, im1), &(re2, im2))?)
}

/// NumPy 2's sign of complex (`CDOUBLE_sign`): z / |z|; 0 at 0; nan where |z|
/// is nan; where |z| is infinite, (±1, 0) along an infinite real part, nan
/// where both parts are infinite, else (0, ±1) (also where |z| overflows).
pub fn sign(z: &Tensor) -> Result<Tensor, PlanError> {
    let (re, im) = parts(z)?;
    let abs = z.f_abs()?;
    let unit = |p: &Tensor| -> Result<Tensor, PlanError> {
        let one = p.f_ones_like()?;
        Ok(one.f_where_self(&p.f_gt(0)?, &one.f_neg()?)?)
    };
    let (zeros, nans) = (
        re.f_zeros_like()?,
        re.f_zeros_like()?.f_add_scalar(f64::NAN)?,
    );
    let (inf_re, inf_im) = (re.f_isinf()?, im.f_isinf()?);
    let both = inf_re.f_logical_and(&inf_im)?;
    let at_inf_re = nans
        .f_where_self(&both, &unit(&re)?)?
        .f_where_self(&inf_re, &zeros)?;
    let at_inf_im = nans
        .f_where_self(&both, &zeros)?
        .f_where_self(&inf_re, &unit(&im)?)?;
    let inf_abs = abs.f_isinf()?;
    let out = select(
        &inf_abs,
        &(at_inf_re, at_inf_im),
        &(re.f_div(&abs)?, im.f_div(&abs)?),
    )?;
    pack(select(
        &abs.f_eq(0)?,
        &(zeros.shallow_clone(), zeros),
        &out,
    )?)
}

/// log(z) scaled part by part (NumPy's log2 and log10 of complex).
pub fn log_scaled(z: &Tensor, scale: f64) -> Result<Tensor, PlanError> {
    let (re, im) = parts(&z.f_log()?)?;
    pack((re.f_mul_scalar(scale)?, im.f_mul_scalar(scale)?))
}

/// -z part by part (libtorch's complex neg gives +0.0 for a zero part).
pub fn neg(z: &Tensor) -> Result<Tensor, PlanError> {
    let (re, im) = parts(z)?;
    pack((re.f_neg()?, im.f_neg()?))
}

/// NumPy's complex log1p (`nc_log1p`): log|z + 1| + i arg(z + 1), so a tiny z
/// keeps its digits.
pub fn log1p(z: &Tensor) -> Result<Tensor, PlanError> {
    let (re, im) = parts(z)?;
    let re1 = re.f_add_scalar(1.0)?;
    pack((re1.f_hypot(&im)?.f_log()?, im.f_atan2(&re1)?))
}

/// arccos with C99's sign of a zero imaginary part (`cacos(conj z) = conj
/// cacos(z)`: the opposite of z's), which libtorch's kernel does not keep.
pub fn acos(z: &Tensor) -> Result<Tensor, PlanError> {
    let (re, im) = parts(&z.f_acos()?)?;
    let flipped = im.f_zeros_like()?.f_copysign(&parts(z)?.1.f_neg()?)?;
    pack((re, flipped.f_where_self(&im.f_eq(0)?, &im)?))
}
