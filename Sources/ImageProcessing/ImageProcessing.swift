// ImageProcessing module
