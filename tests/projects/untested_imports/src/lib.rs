use pyo3::prelude::*;

#[pymodule(gil_used = false)]
mod untested_imports {
    use pyo3::prelude::*;

    #[pyfunction]
    fn double(x: i64) -> i64 {
        x * 2
    }
}
