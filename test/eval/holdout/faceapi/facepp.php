<?php

namespace App\Services;

use GuzzleHttp\Client;

class FaceDetectService
{
    private Client $http;

    public function __construct(private string $key, private string $secret)
    {
        $this->http = new Client(['base_uri' => 'https://api-cn.faceplusplus.com/']);
    }

    public function attributes(string $imageUrl): array
    {
        $res = $this->http->post('facepp/v3/detect', [
            'form_params' => [
                'api_key' => $this->key,
                'api_secret' => $this->secret,
                'image_url' => $imageUrl,
                'return_attributes' => 'gender,age,ethnicity,emotion',
            ],
        ]);
        $body = json_decode((string) $res->getBody(), true);
        return array_map(fn ($f) => [
            'gender' => $f['attributes']['gender']['value'],
            'age' => $f['attributes']['age']['value'],
            'ethnicity' => $f['attributes']['ethnicity']['value'],
        ], $body['faces'] ?? []);
    }
}
