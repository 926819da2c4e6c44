use pyo3::prelude::*;

#[pymodule(gil_used = false)]
mod _native {
    #[pyfunction]
    fn double(x: i64) -> i64 {
        x * 2
    }
}
