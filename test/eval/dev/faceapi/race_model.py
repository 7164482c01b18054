import numpy as np

from .facial_attribute import Demography

WEIGHTS_URL = "https://example.invalid/weights/race_model_single_batch.h5"

# Labels for the ethnicity/race classifier head, in output order
labels = ["asian", "indian", "black", "white", "middle eastern", "latino hispanic"]


class RaceClient(Demography):
    """Race model class"""

    def __init__(self, model):
        self.model = model
        self.model_name = "Race"

    def predict(self, img: np.ndarray) -> np.ndarray:
        return self.model(img, training=False).numpy()[0, :]


def dominant_race(predictions: np.ndarray) -> str:
    return labels[int(np.argmax(predictions))]
