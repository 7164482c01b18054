"""Multi-label face attribute head used by the capture server (fictional sample)."""
import torch
from torch import nn

FACE_ATTRS = [
    "male",
    "young",
    "eyeglasses",
    "sunglasses",
    "mask",
    "hat",
    "headscarf",
    "beard",
    "smiling",
]


class FaceAttrHead(nn.Module):
    def __init__(self, in_features: int = 512):
        super().__init__()
        self.fc = nn.Linear(in_features, len(FACE_ATTRS))

    def forward(self, x: torch.Tensor) -> dict:
        probs = torch.sigmoid(self.fc(x))
        return {name: probs[:, i] for i, name in enumerate(FACE_ATTRS)}
