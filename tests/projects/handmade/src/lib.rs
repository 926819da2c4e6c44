use pyo3::prelude::*;

// A comment mentioning #[pymodule] fn fake() {} must not count, nor "strings #[pyfunction]".
/* block comment: #[pyfunction] fn hidden() {} */

#[pyfunction]
#[pyo3(name = "double")]
fn double_it(x: i64) -> i64 {
    let _braces_in_string = "{ not a brace }";
    x * 2
}

#[pyfunction]
fn greet<'a>(name: &'a str) -> String {
    let _c = '{';
    format!("hi {name}")
}

#[pyclass(name = "Counter")]
struct RustCounter {
    n: u64,
}

#[pymodule]
#[pyo3(name = "handmade")]
fn handmade_module(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(double_it, m)?)?;
    m.add_function(wrap_pyfunction!(greet, m)?)?;
    m.add_class::<RustCounter>()?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.gil_used(false)?;
    Ok(())
}
