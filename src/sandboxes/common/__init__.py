"""What every platform sandbox shares: serving on 127.0.0.1 (``server``), failures on
purpose (``faults``) and the control-API plumbing. Imports nothing from the product, nor
from any one sandbox, so each sandbox depends only on this package and itself."""
