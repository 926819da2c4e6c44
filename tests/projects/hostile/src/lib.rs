use pyo3::prelude::*;

#[pymodule]
mod _core {
    use pyo3::prelude::*;

    #[pyfunction]
    fn double(x: i64) -> i64 {
        x * 2
    }
}
