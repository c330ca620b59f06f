"""Text from people, definitions and servers made safe for where it is shown: Markdown (the DSPs' artifacts),
terminals (every command's listing), one line of plain text (event names). Each place has one function, and the
builders here are the only way a value reaches Markdown."""
