use pyo3::prelude::*;

#[pymodule(gil_used = false)]
mod tested_by_extra {
    use pyo3::prelude::*;

    #[pyfunction]
    fn double(x: i64) -> i64 {
        x * 2
    }
}
