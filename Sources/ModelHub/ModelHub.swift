// ModelHub module
